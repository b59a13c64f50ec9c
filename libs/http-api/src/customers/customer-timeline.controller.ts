import { customerStreamId } from '@crm/domain';
import { EVENT_STORE, EventStore, RecordedEvent } from '@crm/event-store';
import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiJsonAnswer, ApiProblems, ApiQueryParam } from '../bootstrap/openapi/api-problems.decorator';
import { integerSchema, type SchemaObject } from '../bootstrap/openapi/openapi-schemas';
import { ApiProblem } from '../problems/api-problem';
import { RequiresScope } from '../auth/requires-scope.decorator';
import { intQueryParam } from '../problems/query-params';

const TIMELINE_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['customerId', 'events', 'nextFromRevision'],
  properties: {
    customerId: { type: 'string' },
    events: {
      type: 'array',
      items: {
        type: 'object',
        required: ['eventId', 'type', 'streamRevision', 'globalPosition', 'occurredAt', 'recordedAt', 'data'],
        properties: {
          eventId: { type: 'string' },
          type: { type: 'string' },
          streamRevision: { type: 'integer', minimum: 0 },
          globalPosition: { type: 'string' },
          occurredAt: { type: 'string' },
          recordedAt: { type: 'string' },
          data: { type: 'object' },
          metadata: { type: 'object' },
        },
      },
    },
    nextFromRevision: { type: 'integer', nullable: true, description: 'null on the last page' },
  },
};

@ApiTags('customers')
@RequiresScope('customers:read')
@Controller('v1/customers')
export class CustomerTimelineController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Get(':customerId/events')
  @ApiOperation({ summary: "A customer's timeline: their event stream, oldest first, paged by revision" })
  @ApiParam({ name: 'customerId', example: 'c-10042' })
  @ApiQueryParam('fromRevision', integerSchema(0), { description: 'First revision to return (default 0)' })
  @ApiQueryParam('limit', integerSchema(1, 1000), { description: 'Events per page, 1-1000 (default 100)' })
  @ApiJsonAnswer(200, 'One page of the stream, oldest first', TIMELINE_SCHEMA)
  @ApiProblems({
    400: 'VALIDATION_FAILED: errors[].path names the query parameter',
    404: 'CUSTOMER_NOT_FOUND',
  })
  async timeline(
    @Param('customerId') customerId: string,
    @Query('fromRevision') fromRevisionParam?: string,
    @Query('limit') limitParam?: string,
  ) {
    const fromRevision = intQueryParam('fromRevision', fromRevisionParam, { min: 0, fallback: 0 });
    const limit = intQueryParam('limit', limitParam, { min: 1, max: 1000, fallback: 100 });
    const streamId = customerStreamId(customerId);
    // One more than asked tells whether another page follows.
    const page = await this.store.readStream(streamId, { fromRevision, maxCount: limit + 1 });
    if (
      page.length === 0 &&
      (fromRevision === 0 || (await this.store.readStream(streamId, { maxCount: 1 })).length === 0)
    ) {
      throw new ApiProblem(
        404,
        'CUSTOMER_NOT_FOUND',
        'Customer not found',
        `No events for customer ${customerId}`,
      );
    }
    const events = page.slice(0, limit);
    return {
      customerId,
      events: events.map(toTimelineEntry),
      nextFromRevision: page.length > limit ? events[events.length - 1].streamRevision + 1 : null,
    };
  }
}

const toTimelineEntry = (e: RecordedEvent) => ({
  eventId: e.eventId,
  type: e.type,
  streamRevision: e.streamRevision,
  globalPosition: e.globalPosition.toString(),
  occurredAt: e.occurredAt,
  recordedAt: e.recordedAt,
  data: e.data,
  metadata: e.metadata,
});
