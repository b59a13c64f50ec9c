import { PROMOTER_RANKINGS, PromotersQuery, PurchaseTimingQuery } from '@crm/analytics';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiJsonAnswer, ApiQueryParam } from '../bootstrap/openapi/api-problems.decorator';
import { integerSchema } from '../bootstrap/openapi/openapi-schemas';
import { PROMOTERS_ANSWER, PURCHASE_TIMING_ANSWER, SEASONALITY_ANSWER } from './analytics-answers.openapi';
import { RequiresScope } from '../auth/requires-scope.decorator';
import { ApiAnalyticsProblems, ApiCurrency, ApiPeriod } from './analytics-openapi';
import { currencyParam, numberParam, periodParams, text, type RawQuery } from './analytics-query-params';
import { AnalyticsReadiness } from './analytics-readiness';

@ApiTags('analytics')
@RequiresScope('analytics:read')
@Controller('v1/analytics')
export class BehaviourController {
  constructor(
    private readonly promotersQuery: PromotersQuery,
    private readonly timingQuery: PurchaseTimingQuery,
    private readonly readiness: AnalyticsReadiness,
  ) {}

  @Get('promoters')
  @ApiOperation({
    summary: 'Promoters: referrals made, referred customers acquired and their revenue; top referrers',
  })
  @ApiPeriod()
  @ApiCurrency()
  @ApiQueryParam(
    'rankBy',
    { type: 'string', enum: Object.keys(PROMOTER_RANKINGS) },
    { description: 'Default revenue' },
  )
  @ApiQueryParam('limit', integerSchema(1, 1000), {
    description: 'Top referrers listed, 1-1000 (default 10)',
  })
  @ApiJsonAnswer(200, 'Totals and the top referrers', PROMOTERS_ANSWER)
  @ApiAnalyticsProblems()
  promoters(@Query() query: RawQuery) {
    this.readiness.check();
    return this.promotersQuery.promoters({
      ...periodParams(query),
      currency: currencyParam(query),
      limit: numberParam(query, 'limit', 10),
      rankBy: text(query, 'rankBy'),
    });
  }

  @Get('purchase-timing')
  @ApiOperation({ summary: 'Orders, revenue and buyers by month of year, ISO weekday and hour of day (UTC)' })
  @ApiPeriod()
  @ApiCurrency()
  @ApiJsonAnswer(200, 'Orders, revenue and buyers per bucket', PURCHASE_TIMING_ANSWER)
  @ApiAnalyticsProblems()
  timing(@Query() query: RawQuery) {
    this.readiness.check();
    return this.timingQuery.timing({ ...periodParams(query), currency: currencyParam(query) });
  }

  @Get('seasonality')
  @ApiOperation({
    summary: 'Seasonality by product category: units, line revenue and seasonality index per month of year',
  })
  @ApiPeriod()
  @ApiCurrency()
  @ApiJsonAnswer(200, 'Per category, its months of the year', SEASONALITY_ANSWER)
  @ApiAnalyticsProblems()
  seasonality(@Query() query: RawQuery) {
    this.readiness.check();
    return this.timingQuery.seasonality({ ...periodParams(query), currency: currencyParam(query) });
  }
}
