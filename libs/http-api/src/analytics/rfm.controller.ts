import { RFM_SEGMENTS, RfmQuery } from '@crm/analytics';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiJsonAnswer, ApiQueryParam } from '../bootstrap/openapi/api-problems.decorator';
import { RFM_CUSTOMERS_ANSWER, RFM_SEGMENTS_ANSWER } from './analytics-answers.openapi';
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
  @ApiJsonAnswer(200, 'Customers and revenue per segment, every segment listed', RFM_SEGMENTS_ANSWER)
  @ApiAnalyticsProblems()
  segments(@Query() query: RawQuery) {
    this.readiness.check();
    return this.rfm.segments({ ...asOfParams(query), filter: filterParams(query) });
  }

  @Get('customers')
  @ApiOperation({ summary: 'RFM scores and segment per customer, highest monetary value first' })
  @ApiAsOf()
  @ApiCustomerFilter()
  @ApiQueryParam('segment', { type: 'string', enum: [...RFM_SEGMENTS] })
  @ApiPaging(100, 10_000)
  @ApiJsonAnswer(200, 'One page of customers with their scores', RFM_CUSTOMERS_ANSWER)
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
