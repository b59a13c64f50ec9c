import {
  ComplaintsQuery,
  SATISFACTION_GROUPS,
  SATISFACTION_PERIODS,
  SatisfactionQuery,
} from '@crm/analytics';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiJsonAnswer, ApiQueryParam } from '../bootstrap/openapi/api-problems.decorator';
import { CURRENCY_SCHEMA } from '../bootstrap/openapi/openapi-schemas';
import { RequiresScope } from '../auth/requires-scope.decorator';
import { COMPLAINTS_ANSWER, NPS_CLASSES_ANSWER, SATISFACTION_ANSWER } from './analytics-answers.openapi';
import { ApiAnalyticsProblems, ApiAsOf, ApiPeriod } from './analytics-openapi';
import { asOfParams, periodParams, text, type RawQuery } from './analytics-query-params';
import { AnalyticsReadiness } from './analytics-readiness';

const ApiPeriodLength = () =>
  ApiQueryParam(
    'period',
    { type: 'string', enum: [...SATISFACTION_PERIODS] },
    { description: 'Default month' },
  );

/** Satisfaction (NPS, CSAT) and complaint handling. */
@ApiTags('analytics')
@RequiresScope('analytics:read')
@Controller('v1/analytics')
export class SatisfactionController {
  constructor(
    private readonly satisfaction: SatisfactionQuery,
    private readonly complaintsQuery: ComplaintsQuery,
    private readonly readiness: AnalyticsReadiness,
  ) {}

  @Get('satisfaction')
  @ApiOperation({
    summary: 'NPS and CSAT per month or quarter, by acquisition channel, cohort, country or RFM segment',
    description:
      'Promoters (9-10), passives (7-8) and detractors (0-6) of the NPS answers and their shares; CSAT = share ' +
      'of CSAT answers of 4 or 5. Each answer of the period counts once.',
  })
  @ApiPeriod()
  @ApiPeriodLength()
  @ApiQueryParam(
    'groupBy',
    { type: 'string', enum: [...SATISFACTION_GROUPS] },
    { description: 'Default none; segment = RFM segment as of `to` in `currency`' },
  )
  @ApiQueryParam('currency', CURRENCY_SCHEMA, { description: 'Required with groupBy=segment' })
  @ApiJsonAnswer(200, 'Scores of the period, per group and per period and group', SATISFACTION_ANSWER)
  @ApiAnalyticsProblems()
  scores(@Query() query: RawQuery) {
    this.readiness.check();
    return this.satisfaction.scores({
      ...periodParams(query),
      period: text(query, 'period'),
      groupBy: text(query, 'groupBy'),
      currency: text(query, 'currency'),
    });
  }

  @Get('satisfaction/classes')
  @ApiOperation({
    summary:
      'Promoters, passives and detractors (latest NPS answer): churn after the answer and lifetime value',
  })
  @ApiAsOf()
  @ApiJsonAnswer(200, 'One entry per NPS class', NPS_CLASSES_ANSWER)
  @ApiAnalyticsProblems()
  classes(@Query() query: RawQuery) {
    this.readiness.check();
    return this.satisfaction.classes(asOfParams(query));
  }

  @Get('complaints')
  @ApiOperation({
    summary:
      'Complaints per 1,000 customers per period and by category; time to resolution p50/p90; churn after a ' +
      'complaint, resolved against unresolved',
  })
  @ApiPeriod()
  @ApiPeriodLength()
  @ApiJsonAnswer(200, 'Complaint rates, resolution times and churn after complaints', COMPLAINTS_ANSWER)
  @ApiAnalyticsProblems()
  complaints(@Query() query: RawQuery) {
    this.readiness.check();
    return this.complaintsQuery.complaints({ ...periodParams(query), period: text(query, 'period') });
  }
}
