import { RFM_SEGMENTS, RfmQuery } from '@crm/analytics';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequiresScope } from '../auth/requires-scope.decorator';
import { ApiAnalyticsProblems, ApiAsOf, ApiCustomerFilter, ApiPaging } from './analytics-openapi';
import { asOfParams, filterParams, numberParam, text, type RawQuery } from './analytics-query-params';
import { AnalyticsReadiness } from './analytics-readiness';

@ApiTags('analytics')
@RequiresScope('analytics:read')
@Controller('v1/analytics/rfm')
export class RfmController {
  constructor(
    private readonly rfm: RfmQuery,
    private readonly readiness: AnalyticsReadiness,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'RFM segments: customers and revenue per segment (all 11 listed)',
    description:
      'Buyers in the currency by the cutoff get recency, frequency and monetary quintile scores (1-5) and a ' +
      'named segment from the grid of docs/analytics.md. A filter narrows who is counted; scores stay relative ' +
      'to every buyer.',
  })
  @ApiAsOf()
  @ApiCustomerFilter()
  @ApiResponse({
    status: 200,
    description: '{cutoff, currency, filter, customers, revenue, segments: [...]}',
  })
  @ApiAnalyticsProblems()
  segments(@Query() query: RawQuery) {
    this.readiness.check();
    return this.rfm.segments({ ...asOfParams(query), filter: filterParams(query) });
  }

  @Get('customers')
  @ApiOperation({ summary: 'RFM scores and segment per customer, highest monetary value first' })
  @ApiAsOf()
  @ApiCustomerFilter()
  @ApiQuery({ name: 'segment', required: false, enum: RFM_SEGMENTS })
  @ApiPaging(100, 10_000)
  @ApiResponse({ status: 200, description: '{customers: [...]}' })
  @ApiAnalyticsProblems()
  async customers(@Query() query: RawQuery) {
    this.readiness.check();
    const customers = await this.rfm.customers({
      ...asOfParams(query),
      filter: filterParams(query),
      segment: text(query, 'segment'),
      limit: numberParam(query, 'limit', 100),
      offset: numberParam(query, 'offset', 0),
    });
    return { customers };
  }
}
