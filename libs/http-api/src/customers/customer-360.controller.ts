import {
  CUSTOMER_SORTS,
  CustomerQueries,
  CustomerSort,
  CustomerStage,
  MAX_LIST_LIMIT,
  SortOrder,
} from '@crm/read-model';
import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiProblem } from '../problems/api-problem';
import { RequiresScope } from '../auth/requires-scope.decorator';
import { intQueryParam } from '../problems/query-params';
import { ReadYourWrites } from './read-your-writes';
import { TimeTravel } from './time-travel';

const MIN_POSITION_DOC = {
  name: 'minPosition',
  required: false,
  description: 'A globalPosition returned by POST /v1/events: answer only once the read model reflects it',
};
const WAIT_DOC = {
  name: 'waitMs',
  required: false,
  description: 'How long to wait for minPosition, 0-10000 (default 5000)',
};

/** Customer 360: answered from the read model only, never by folding a stream on the request path. */
@ApiTags('customers')
@RequiresScope('customers:read')
@Controller('v1/customers')
export class Customer360Controller {
  constructor(
    private readonly queries: CustomerQueries,
    private readonly readYourWrites: ReadYourWrites,
    private readonly timeTravel: TimeTravel,
  ) {}

  @Get(':customerId')
  @ApiOperation({
    summary: 'Customer 360: profile, stage, acquisition, counts, spend per currency, key dates',
  })
  @ApiParam({ name: 'customerId', example: 'c-10042' })
  @ApiQuery(MIN_POSITION_DOC)
  @ApiQuery(WAIT_DOC)
  @ApiResponse({ status: 200, description: 'The customer as the read model knows it (see streamRevision)' })
  @ApiResponse({ status: 404, description: 'CUSTOMER_NOT_FOUND' })
  @ApiResponse({
    status: 503,
    description: 'READ_MODEL_BEHIND: minPosition not reached in time (Retry-After)',
  })
  @ApiQuery({
    name: 'asOf',
    required: false,
    description:
      'Time travel: the customer as of a past moment, folded from the event stream. An ISO 8601 date-time ' +
      '(business time: events that occurred by then; see asOfBasis) or a global position (digits).',
  })
  @ApiQuery({
    name: 'asOfBasis',
    required: false,
    enum: ['occurred', 'recorded'],
    description:
      'For a date-time asOf: occurred (default, what had happened) or recorded (what we knew then)',
  })
  async get(
    @Param('customerId') customerId: string,
    @Query('minPosition') minPosition?: string,
    @Query('waitMs') waitMs?: string,
    @Query('asOf') asOf?: string,
    @Query('asOfBasis') asOfBasis?: string,
  ) {
    if (asOf !== undefined) return this.timeTravel.customerAsOf(customerId, asOf, asOfBasis);
    await this.readYourWrites.waitFor(
      minPosition,
      intQueryParam('waitMs', waitMs, { min: 0, max: 10_000, fallback: 5_000 }),
    );
    const customer = await this.queries.getCustomer(customerId);
    if (!customer) {
      throw new ApiProblem(
        404,
        'CUSTOMER_NOT_FOUND',
        'Customer not found',
        `No customer ${customerId} in the read model`,
      );
    }
    return customer;
  }

  @Get()
  @ApiOperation({
    summary: 'List customers: filter by stage, country, acquisition channel; sort; cursor pages',
  })
  @ApiQuery({ name: 'stage', required: false, enum: ['acquired', 'active', 'churned'] })
  @ApiQuery({ name: 'country', required: false, example: 'IT' })
  @ApiQuery({ name: 'acquisitionChannel', required: false, example: 'paid_search' })
  @ApiQuery({ name: 'sort', required: false, enum: CUSTOMER_SORTS, description: 'Default acquiredAt' })
  @ApiQuery({ name: 'order', required: false, enum: ['asc', 'desc'], description: 'Default desc' })
  @ApiQuery({
    name: 'currency',
    required: false,
    description: 'Currency of spend (sort and items), default EUR',
  })
  @ApiQuery({ name: 'limit', required: false, description: `1-${MAX_LIST_LIMIT}, default 50` })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiQuery(MIN_POSITION_DOC)
  @ApiQuery(WAIT_DOC)
  async list(
    @Query('stage') stage?: string,
    @Query('country') country?: string,
    @Query('acquisitionChannel') acquisitionChannel?: string,
    @Query('sort') sort?: string,
    @Query('order') order?: string,
    @Query('currency') currency?: string,
    @Query('limit') limit?: string,
    @Query('cursor') cursor?: string,
    @Query('minPosition') minPosition?: string,
    @Query('waitMs') waitMs?: string,
  ) {
    await this.readYourWrites.waitFor(
      minPosition,
      intQueryParam('waitMs', waitMs, { min: 0, max: 10_000, fallback: 5_000 }),
    );
    return this.queries.listCustomers({
      stage: stage as CustomerStage | undefined,
      country,
      acquisitionChannel,
      sort: sort as CustomerSort | undefined,
      order: order as SortOrder | undefined,
      currency,
      limit: intQueryParam('limit', limit, { min: 1, max: MAX_LIST_LIMIT, fallback: 50 }),
      cursor,
    });
  }
}
