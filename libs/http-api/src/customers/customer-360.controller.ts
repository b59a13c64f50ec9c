import {
  CUSTOMER_SORTS,
  CustomerQueries,
  CustomerSort,
  CustomerStage,
  MAX_LIST_LIMIT,
  SortOrder,
} from '@crm/read-model';
import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import {
  ApiJsonAnswer,
  ApiProblems,
  ApiQueryParam,
  linkTo,
} from '../bootstrap/openapi/api-problems.decorator';
import {
  CURRENCY_SCHEMA,
  integerSchema,
  POSITION_SCHEMA,
  type SchemaObject,
} from '../bootstrap/openapi/openapi-schemas';
import { ApiProblem } from '../problems/api-problem';
import { RequiresScope } from '../auth/requires-scope.decorator';
import { intQueryParam } from '../problems/query-params';
import { CUSTOMER_SCHEMA, SPEND_SCHEMA } from './customer-360.openapi';
import { ReadYourWrites } from './read-your-writes';
import { AS_OF_BASES, checkBasis, TimeTravel } from './time-travel';

const ApiMinPosition = () =>
  ApiQueryParam('minPosition', POSITION_SCHEMA, {
    description:
      'A globalPosition returned by POST /v1/events: answer only once the read model reflects it ' +
      '(400 UNKNOWN_POSITION when the store has no such position)',
  });
const ApiWait = () =>
  ApiQueryParam('waitMs', integerSchema(0, 10_000), {
    description: 'How long to wait for minPosition, 0-10000 (default 5000)',
  });

const STRING: SchemaObject = { type: 'string' };

const CUSTOMER_PAGE_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['customerId', 'stage', 'spend'],
        properties: { customerId: STRING, stage: STRING, spend: SPEND_SCHEMA },
      },
    },
    nextCursor: {
      ...STRING,
      nullable: true,
      description: 'Pass as cursor for the next page; null at the end',
    },
  },
};

/** A date-time (business or recorded time, see asOfBasis) or a global position. */
const AS_OF_SCHEMA: SchemaObject = {
  anyOf: [{ type: 'string', format: 'date-time' }, POSITION_SCHEMA],
  example: '2025-06-30T00:00:00Z',
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
    summary:
      "Customer 360: profile, stage, counts, spend; the customer's file (latest NPS and CSAT, complaints, " +
      'consents, preferences, cost to serve); scores (predicted CLV, P(alive), RFM segment, portfolio action)',
    description:
      'Answered from the read model by primary key, never from ClickHouse on the request path. `freshness` ' +
      'says how current each part is: event-derived values as of the projection position, scores as of ' +
      'the scoring run (`scoredAt`, model id). With `asOf`, the stream folded to that point (no scores).',
  })
  @ApiParam({ name: 'customerId', example: 'c-10042' })
  @ApiMinPosition()
  @ApiWait()
  @ApiJsonAnswer(200, 'The customer as the read model knows it (see streamRevision)', CUSTOMER_SCHEMA, {
    Timeline: linkTo('get', '/v1/customers/{customerId}/events', {
      customerId: '$response.body#/customerId',
    }),
  })
  @ApiProblems({
    400: 'VALIDATION_FAILED: errors[].path names the query parameter',
    404: 'CUSTOMER_NOT_FOUND',
    503: 'READ_MODEL_BEHIND: minPosition not reached in time, or READ_MODEL_UNAVAILABLE (Retry-After)',
  })
  @ApiQueryParam('asOf', AS_OF_SCHEMA, {
    description:
      'Time travel: the customer as of a past moment, folded from the event stream. An ISO 8601 date-time ' +
      '(business time: events that occurred by then; see asOfBasis) or a global position (digits).',
  })
  @ApiQueryParam(
    'asOfBasis',
    { type: 'string', enum: [...AS_OF_BASES] },
    {
      description:
        'For a date-time asOf: occurred (default, what had happened) or recorded (what we knew then)',
    },
  )
  async get(
    @Param('customerId') customerId: string,
    @Query('minPosition') minPosition?: string,
    @Query('waitMs') waitMs?: string,
    @Query('asOf') asOf?: string,
    @Query('asOfBasis') asOfBasis?: string,
  ) {
    // Every parameter given is checked, also those a time-travel read does not use.
    const wait = intQueryParam('waitMs', waitMs, { min: 0, max: 10_000, fallback: 5_000 });
    if (asOf !== undefined) return this.timeTravel.customerAsOf(customerId, asOf, asOfBasis);
    if (asOfBasis !== undefined) checkBasis(asOfBasis);
    await this.readYourWrites.waitFor(minPosition, wait);
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
  @ApiQueryParam('stage', { type: 'string', enum: ['acquired', 'active', 'churned'] })
  @ApiQueryParam('country', { type: 'string', example: 'IT' }, { description: 'Exact match' })
  @ApiQueryParam(
    'acquisitionChannel',
    { type: 'string', example: 'paid_search' },
    { description: 'Exact match' },
  )
  @ApiQueryParam('sort', { type: 'string', enum: [...CUSTOMER_SORTS] }, { description: 'Default acquiredAt' })
  @ApiQueryParam('order', { type: 'string', enum: ['asc', 'desc'] }, { description: 'Default desc' })
  @ApiQueryParam('currency', CURRENCY_SCHEMA, {
    description: 'Currency of spend (sort and items), default EUR',
  })
  @ApiQueryParam('limit', integerSchema(1, MAX_LIST_LIMIT), {
    description: `1-${MAX_LIST_LIMIT}, default 50`,
  })
  @ApiQueryParam(
    'cursor',
    { type: 'string' },
    {
      description: 'nextCursor of the previous page, with the same filters (400 otherwise)',
    },
  )
  @ApiMinPosition()
  @ApiWait()
  @ApiJsonAnswer(200, 'One page of customers', CUSTOMER_PAGE_SCHEMA)
  @ApiProblems({
    400: 'VALIDATION_FAILED: errors[].path names the query parameter',
    503: 'READ_MODEL_BEHIND: minPosition not reached in time, or READ_MODEL_UNAVAILABLE (Retry-After)',
  })
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
