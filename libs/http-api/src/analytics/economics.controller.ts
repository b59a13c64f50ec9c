import { CampaignRoiQuery, CustomerProfitabilityQuery } from '@crm/analytics';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiJsonAnswer, ApiQueryParam } from '../bootstrap/openapi/api-problems.decorator';
import { integerSchema } from '../bootstrap/openapi/openapi-schemas';
import { RequiresScope } from '../auth/requires-scope.decorator';
import { CAMPAIGNS_ANSWER, PROFITABILITY_ANSWER } from './analytics-answers.openapi';
import { ApiAnalyticsProblems, ApiAsOf } from './analytics-openapi';
import { asOfParams, booleanParam, numberParam, type RawQuery } from './analytics-query-params';
import { AnalyticsReadiness } from './analytics-readiness';

/** What customers and campaigns bring against what they cost (margin and cost to serve from configuration). */
@ApiTags('analytics')
@RequiresScope('analytics:read')
@Controller('v1/analytics')
export class EconomicsController {
  constructor(
    private readonly campaignsQuery: CampaignRoiQuery,
    private readonly profitabilityQuery: CustomerProfitabilityQuery,
    private readonly readiness: AnalyticsReadiness,
  ) {}

  @Get('campaigns')
  @ApiOperation({
    summary:
      'Per campaign and channel: spend, customers acquired, CAC, revenue to date, predicted CLV, ROI, payback',
    description:
      'ROI = (revenue x PROFIT_MARGIN - spend) / spend; predictedRoi adds the predicted CLV of the customers the ' +
      'campaign acquired (the CLV model of the cutoff, fitted on first use, with the same margin).',
  })
  @ApiAsOf()
  @ApiQueryParam(
    'predictions',
    { type: 'string', enum: ['true', 'false'] },
    { description: 'Include predicted CLV (fits the CLV model of the cutoff on first use); default true' },
  )
  @ApiJsonAnswer(200, 'One entry per campaign and channel', CAMPAIGNS_ANSWER)
  @ApiAnalyticsProblems()
  campaigns(@Query() query: RawQuery) {
    this.readiness.check();
    return this.campaignsQuery.campaigns({
      ...asOfParams(query),
      predictions: booleanParam(query, 'predictions', true),
    });
  }

  @Get('profitability')
  @ApiOperation({
    summary:
      'Customer profitability: revenue x margin - cost to serve - compensation; the least profitable first',
  })
  @ApiAsOf()
  @ApiQueryParam('limit', integerSchema(1, 1000), {
    description: 'Least profitable customers listed, 1-1000 (default 10)',
  })
  @ApiJsonAnswer(200, 'Totals and the least profitable customers', PROFITABILITY_ANSWER)
  @ApiAnalyticsProblems()
  profitability(@Query() query: RawQuery) {
    this.readiness.check();
    return this.profitabilityQuery.profitability({
      ...asOfParams(query),
      limit: numberParam(query, 'limit', 10),
    });
  }
}
