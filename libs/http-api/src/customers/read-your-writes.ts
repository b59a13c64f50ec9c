import { EVENT_STORE, EventStore } from '@crm/event-store';
import { CUSTOMER_STREAM_PREFIX, customerIdFromStream } from '@crm/domain';
import { CustomerQueries } from '@crm/read-model';
import { Inject, Injectable } from '@nestjs/common';
import { ApiProblem } from '../problems/api-problem';

const POLL_MS = 10;

/**
 * Read-your-writes: a client passes the global position `POST /v1/events` returned (`?minPosition=`), and
 * the read is answered once the read model reflects the event at that position (its customer's row has
 * reached the event's revision). Per-customer, because projectors consume partitions independently: there
 * is no single global watermark to wait for, but per-customer order is guaranteed.
 */
@Injectable()
export class ReadYourWrites {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly queries: CustomerQueries,
  ) {}

  async waitFor(minPositionParam: string | undefined, timeoutMs: number): Promise<void> {
    if (minPositionParam === undefined) return;
    if (!/^\d{1,20}$/.test(minPositionParam)) {
      throw new ApiProblem(400, 'VALIDATION_FAILED', 'Invalid query parameter', undefined, [
        {
          path: '$query.minPosition',
          code: 'INVALID_FIELD',
          message: 'minPosition must be a global position (digits)',
        },
      ]);
    }
    const position = BigInt(minPositionParam);
    const [event] = await this.store.readAll({
      after: position > 0n ? position - 1n : undefined,
      maxCount: 1,
    });
    if (!event || event.globalPosition !== position) {
      throw new ApiProblem(400, 'VALIDATION_FAILED', 'Invalid query parameter', undefined, [
        { path: '$query.minPosition', code: 'UNKNOWN_POSITION', message: `no event at position ${position}` },
      ]);
    }
    // Not a customer's event (marketing spend, in its campaign stream): the read model never holds it, so
    // there is nothing to wait for. Waiting would only end in READ_MODEL_BEHIND.
    if (!event.streamId.startsWith(CUSTOMER_STREAM_PREFIX)) return;
    const customerId = customerIdFromStream(event.streamId);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const row = await this.queries.getCustomer(customerId);
      if (row && row.streamRevision >= event.streamRevision) return;
      if (Date.now() >= deadline) {
        throw new ApiProblem(
          503,
          'READ_MODEL_BEHIND',
          'Read model not caught up',
          `The read model has not reached position ${position} within ${timeoutMs} ms`,
          undefined,
          { 'Retry-After': '1' },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
