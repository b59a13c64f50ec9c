import { customerStreamId } from '@crm/domain';
import { EVENT_STORE, EventStore, RecordedEvent } from '@crm/event-store';
import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiProblem } from '../problems/api-problem';
import { RequiresScope } from '../auth/requires-scope.decorator';
import { intQueryParam } from '../problems/query-params';

@ApiTags('customers')
@RequiresScope('customers:read')
@Controller('v1/customers')
export class CustomerTimelineController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Get(':customerId/events')
  @ApiOperation({ summary: "A customer's timeline: their event stream, oldest first, paged by revision" })
  @ApiParam({ name: 'customerId', example: 'c-10042' })
  @ApiQuery({ name: 'fromRevision', required: false, description: 'First revision to return (default 0)' })
  @ApiQuery({ name: 'limit', required: false, description: 'Events per page, 1-1000 (default 100)' })
  @ApiResponse({ status: 200, description: '{customerId, events: [...], nextFromRevision}' })
  @ApiResponse({ status: 404, description: 'CUSTOMER_NOT_FOUND' })
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
