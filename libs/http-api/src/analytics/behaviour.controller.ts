import { PROMOTER_RANKINGS, PromotersQuery, PurchaseTimingQuery } from '@crm/analytics';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
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
  @ApiQuery({
    name: 'rankBy',
    required: false,
    enum: Object.keys(PROMOTER_RANKINGS),
    description: 'Default revenue',
  })
  @ApiQuery({ name: 'limit', required: false, description: 'Top referrers listed, 1-1000 (default 10)' })
  @ApiResponse({ status: 200, description: '{from, to, currency, rankBy, totals, topReferrers: [...]}' })
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
  @ApiResponse({ status: 200, description: '{from, to, currency, timeZone, byMonth, byWeekday, byHour}' })
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
  @ApiResponse({
    status: 200,
    description: '{from, to, currency, categories: [{category, units, revenue, months}]}',
  })
  @ApiAnalyticsProblems()
  seasonality(@Query() query: RawQuery) {
    this.readiness.check();
    return this.timingQuery.seasonality({ ...periodParams(query), currency: currencyParam(query) });
  }
}
