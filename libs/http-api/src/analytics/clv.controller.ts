import { PortfolioMatrixQuery, PredictiveLtvQuery, type ClvModelParams } from '@crm/analytics';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiJsonAnswer, ApiProblems, ApiQueryParam } from '../bootstrap/openapi/api-problems.decorator';
import { daySchema, integerSchema, numberSchema } from '../bootstrap/openapi/openapi-schemas';
import { HOLDOUT_ANSWER, PORTFOLIO_ANSWER, PREDICTIVE_LTV_ANSWER } from './analytics-answers.openapi';
import { RequiresScope } from '../auth/requires-scope.decorator';
import { ApiAnalyticsProblems, ApiAsOf, ApiPaging } from './analytics-openapi';
import { asOfParams, numberParam, text, type RawQuery } from './analytics-query-params';
import { AnalyticsReadiness } from './analytics-readiness';
import { missingParameter } from './analytics-problems';
import { applyDecorators } from '@nestjs/common';

const ApiModelSettings = () =>
  applyDecorators(
    ApiAsOf(),
    ApiQueryParam('horizonWeeks', integerSchema(1, 520), {
      description: 'Prediction horizon in weeks, 1-520 (default 52)',
    }),
    ApiQueryParam('discountRate', numberSchema(0, 1), {
      description: 'Annual discount rate of future value, 0-1 (default 0.1)',
    }),
    ApiQueryParam('margin', numberSchema(0, 1, { exclusiveMinimum: true }), {
      description: 'Share of revenue counted as value, (0, 1] (default 1)',
    }),
    ApiProblems({
      422: 'NOT_ENOUGH_DATA: too few buyers in the currency, or the models could not be fitted (detail says why)',
    }),
  );

function modelParams(query: RawQuery): ClvModelParams {
  return {
    ...asOfParams(query),
    horizonWeeks: numberParam(query, 'horizonWeeks', 52),
    annualDiscountRate: numberParam(query, 'discountRate', 0.1),
    margin: numberParam(query, 'margin', 1),
  };
}

/**
 * Predictive LTV. The first request for a cutoff, currency and settings fits the models (seconds on a large
 * base) and stores them; later ones, until new events arrive, read what was stored.
 */
@ApiTags('analytics')
@RequiresScope('analytics:read')
@Controller('v1/analytics')
export class ClvController {
  constructor(
    private readonly predictive: PredictiveLtvQuery,
    private readonly portfolio: PortfolioMatrixQuery,
    private readonly readiness: AnalyticsReadiness,
  ) {}

  @Get('predictive-ltv')
  @ApiOperation({
    summary:
      'Predictive LTV: BG/NBD and Gamma-Gamma fitted as of the cutoff; P(alive), purchases, spend, CLV',
    description:
      'The model (parameters, log-likelihoods, version, data position) and per-customer predictions, highest ' +
      'discounted CLV first.',
  })
  @ApiModelSettings()
  @ApiPaging(100, 10_000)
  @ApiJsonAnswer(200, 'The fitted models and one page of predictions', PREDICTIVE_LTV_ANSWER)
  @ApiAnalyticsProblems()
  predictions(@Query() query: RawQuery) {
    this.readiness.check();
    return this.predictive.predictions({
      ...modelParams(query),
      limit: numberParam(query, 'limit', 100),
      offset: numberParam(query, 'offset', 0),
    });
  }

  @Get('predictive-ltv/holdout')
  @ApiOperation({
    summary: 'Holdout report: predicted vs actual transactions after the cutoff, by calibration frequency',
  })
  @ApiModelSettings()
  @ApiQueryParam('holdoutEnd', daySchema('2026-06-30'), {
    required: true,
    description: 'Last day of the holdout period, after the cutoff',
  })
  @ApiJsonAnswer(200, 'Predicted and actual transactions per calibration frequency', HOLDOUT_ANSWER)
  @ApiAnalyticsProblems()
  holdout(@Query() query: RawQuery) {
    this.readiness.check();
    const holdoutEnd = text(query, 'holdoutEnd');
    if (holdoutEnd === undefined) throw missingParameter('holdoutEnd', 'the last day of the holdout period');
    return this.predictive.holdout({ ...modelParams(query), holdoutEnd });
  }

  @Get('portfolio')
  @ApiOperation({
    summary: 'Portfolio matrix: predicted CLV x loyalty, with the action for each quadrant',
    description:
      'High potential = predicted CLV above the potentialQuantile quantile; loyal = P(alive) >= pAliveThreshold ' +
      'and at least one repeat purchase. Actions: acquire more like them, develop, retain, remove or serve at ' +
      'lower cost.',
  })
  @ApiModelSettings()
  @ApiQueryParam('pAliveThreshold', numberSchema(0, 1), { description: '0-1 (default 0.5)' })
  @ApiQueryParam('potentialQuantile', numberSchema(0, 1), { description: '0-1 (default 0.5: the median)' })
  @ApiJsonAnswer(200, 'The four quadrants with their customers and value', PORTFOLIO_ANSWER)
  @ApiAnalyticsProblems()
  matrix(@Query() query: RawQuery) {
    this.readiness.check();
    return this.portfolio.matrix({
      ...modelParams(query),
      pAliveThreshold: numberParam(query, 'pAliveThreshold', 0.5),
      potentialQuantile: numberParam(query, 'potentialQuantile', 0.5),
    });
  }
}
