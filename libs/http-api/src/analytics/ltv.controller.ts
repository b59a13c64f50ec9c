import { BestCustomerProfileQuery, LTV_GROUPINGS, LtvQuery } from '@crm/analytics';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiJsonAnswer, ApiQueryParam } from '../bootstrap/openapi/api-problems.decorator';
import { BEST_CUSTOMERS_ANSWER, LTV_CUSTOMERS_ANSWER, LTV_GROUPS_ANSWER } from './analytics-answers.openapi';
import { RequiresScope } from '../auth/requires-scope.decorator';
import { ApiAnalyticsProblems, ApiAsOf, ApiCustomerFilter, ApiPaging } from './analytics-openapi';
import { asOfParams, filterParams, numberParam, text, type RawQuery } from './analytics-query-params';
import { AnalyticsReadiness } from './analytics-readiness';

@ApiTags('analytics')
@RequiresScope('analytics:read')
@Controller('v1/analytics')
export class LtvController {
  constructor(
    private readonly ltv: LtvQuery,
    private readonly profile: BestCustomerProfileQuery,
    private readonly readiness: AnalyticsReadiness,
  ) {}

  @Get('ltv')
  @ApiOperation({
    summary: 'Historical LTV grouped by acquisition channel, cohort, country or RFM segment',
    description: 'Revenue per customer so far, in one currency; customers who never bought count with 0.',
  })
  @ApiAsOf()
  @ApiQueryParam(
    'groupBy',
    { type: 'string', enum: Object.keys(LTV_GROUPINGS) },
    { description: 'Default channel' },
  )
  @ApiCustomerFilter()
  @ApiJsonAnswer(200, 'Totals and one row per group', LTV_GROUPS_ANSWER)
  @ApiAnalyticsProblems()
  grouped(@Query() query: RawQuery) {
    this.readiness.check();
    return this.ltv.grouped({
      ...asOfParams(query),
      groupBy: text(query, 'groupBy') ?? 'channel',
      filter: filterParams(query),
    });
  }

  @Get('ltv/customers')
  @ApiOperation({ summary: 'Historical LTV per customer, highest first' })
  @ApiAsOf()
  @ApiCustomerFilter()
  @ApiPaging(100, 10_000)
  @ApiJsonAnswer(200, 'One page of customers, highest LTV first', LTV_CUSTOMERS_ANSWER)
  @ApiAnalyticsProblems()
  async customers(@Query() query: RawQuery) {
    this.readiness.check();
    const customers = await this.ltv.customers({
      ...asOfParams(query),
      filter: filterParams(query),
      limit: numberParam(query, 'limit', 100),
      offset: numberParam(query, 'offset', 0),
    });
    return { customers };
  }

  @Get('best-customers')
  @ApiOperation({
    summary: 'Best-customer profile: attributes over-indexing in the top LTV decile against the whole base',
    description:
      'index = 100 x share among the top decile / share in the base, per age band, country, ' +
      'acquisition channel, campaign and income band.',
  })
  @ApiAsOf()
  @ApiJsonAnswer(200, 'Per attribute, its values with shares and index', BEST_CUSTOMERS_ANSWER)
  @ApiAnalyticsProblems()
  bestCustomers(@Query() query: RawQuery) {
    this.readiness.check();
    return this.profile.profile(asOfParams(query));
  }
}
