import { ChurnRateQuery, CohortsQuery, LifecycleFunnelQuery } from '@crm/analytics';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiJsonAnswer } from '../bootstrap/openapi/api-problems.decorator';
import { CHURN_ANSWER, COHORTS_ANSWER, FUNNEL_ANSWER } from './analytics-answers.openapi';
import { RequiresScope } from '../auth/requires-scope.decorator';
import { ApiAnalyticsProblems, ApiAsOf, ApiCustomerFilter, ApiPeriod } from './analytics-openapi';
import { asOfParams, filterParams, periodParams, type RawQuery } from './analytics-query-params';
import { AnalyticsReadiness } from './analytics-readiness';

@ApiTags('analytics')
@RequiresScope('analytics:read')
@Controller('v1/analytics')
export class LifecycleController {
  constructor(
    private readonly funnelQuery: LifecycleFunnelQuery,
    private readonly churnQuery: ChurnRateQuery,
    private readonly cohortsQuery: CohortsQuery,
    private readonly readiness: AnalyticsReadiness,
  ) {}

  @Get('lifecycle/funnel')
  @ApiOperation({
    summary: 'Lifecycle funnel of the customers acquired in the period, as of its end',
    description: 'Stages acquired, active, purchasing, repeat, churned, reactivated, with conversions.',
  })
  @ApiPeriod()
  @ApiCustomerFilter()
  @ApiJsonAnswer(200, 'The stages with their customers and conversions', FUNNEL_ANSWER)
  @ApiAnalyticsProblems()
  funnel(@Query() query: RawQuery) {
    this.readiness.check();
    return this.funnelQuery.funnel({ ...periodParams(query), filter: filterParams(query) });
  }

  @Get('lifecycle/churn')
  @ApiOperation({
    summary: 'Churn rate per calendar month: customers lost / active at the start of the month',
  })
  @ApiPeriod()
  @ApiCustomerFilter()
  @ApiJsonAnswer(200, 'One row per calendar month of the period', CHURN_ANSWER)
  @ApiAnalyticsProblems()
  churn(@Query() query: RawQuery) {
    this.readiness.check();
    return this.churnQuery.byMonth({ ...periodParams(query), filter: filterParams(query) });
  }

  @Get('cohorts')
  @ApiOperation({
    summary: 'Monthly acquisition cohorts: retention and revenue matrices by month since acquisition',
  })
  @ApiAsOf()
  @ApiCustomerFilter()
  @ApiJsonAnswer(200, 'One row per acquisition month, one column per month since', COHORTS_ANSWER)
  @ApiAnalyticsProblems()
  cohorts(@Query() query: RawQuery) {
    this.readiness.check();
    return this.cohortsQuery.matrix({ ...asOfParams(query), filter: filterParams(query) });
  }
}
