import {
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  EventStoreDBClient,
  excludeSystemEvents,
  START,
  streamNameFilter,
} from '@eventstore/db-client';
import { EventStoreUnavailableError } from '../event-store.errors';
import type { AllSubscription, RecordedEvent, SubscribeOptions } from '../event-store.port';
import { fromResolvedEvent, mapConnectionError } from './esdb.mapping';

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };
const STOPPED = Symbol('stopped');

/**
 * A catch-up subscription to $all (server-side filter: the stream prefix, or "no system events"), adapted
 * to the port: positions strictly after `after`, system events and anything at or before the last delivered
 * position skipped (no duplicates even if the server re-sends the start position), and a close() that ends
 * a pending next() at once. Memory is bounded by the readable stream's high-water mark (gRPC back-pressure).
 */
export class EsdbAllSubscription implements AllSubscription, AsyncIterator<RecordedEvent> {
  private readonly source: AllStreamSubscription;
  private readonly iterator: AsyncIterator<AllStreamResolvedEvent>;
  private lastPosition: bigint;
  private closed = false;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly stopped: Promise<typeof STOPPED>;
  private stop!: () => void;
  private fail!: (error: unknown) => void;

  constructor(
    client: EventStoreDBClient,
    private readonly options: SubscribeOptions,
    private readonly onClosed: (subscription: EsdbAllSubscription) => void,
  ) {
    this.lastPosition = options.after ?? -1n;
    this.stopped = new Promise<typeof STOPPED>((resolve, reject) => {
      this.stop = () => resolve(STOPPED);
      this.fail = reject;
    });
    this.stopped.catch(() => undefined); // observed through next(); never an unhandled rejection
    const { after, streamPrefix } = options;
    this.source = client.subscribeToAll({
      fromPosition: after === undefined ? START : { commit: after, prepare: after },
      filter: streamPrefix ? streamNameFilter({ prefixes: [streamPrefix] }) : excludeSystemEvents(),
    });
    // The client emits 'error' itself, possibly before anyone iterates: keep it and fail the next pull.
    this.source.on('error', (error: Error) => this.fail(mapConnectionError(error)));
    this.iterator = this.source[Symbol.asyncIterator]();
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return this;
  }

  next(): Promise<IteratorResult<RecordedEvent>> {
    const result = this.queue.then(() => this.pull());
    this.queue = result.catch(() => undefined);
    return result;
  }

  async return(): Promise<IteratorResult<RecordedEvent>> {
    await this.close();
    return DONE;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stop();
    this.onClosed(this);
    try {
      await this.source.unsubscribe();
    } catch {
      // already gone
    }
    this.source.destroy();
  }

  private async pull(): Promise<IteratorResult<RecordedEvent>> {
    while (!this.closed) {
      const step = this.iterator.next();
      step.catch(() => undefined); // abandoned when close() wins the race
      let outcome: IteratorResult<AllStreamResolvedEvent> | typeof STOPPED;
      try {
        outcome = await Promise.race([step, this.stopped]);
      } catch (error) {
        throw mapConnectionError(error);
      }
      if (outcome === STOPPED || this.closed) break;
      if (outcome.done) {
        throw new EventStoreUnavailableError(new Error('The EventStoreDB subscription ended unexpectedly'));
      }
      const event = fromResolvedEvent(outcome.value);
      if (!event || event.globalPosition <= this.lastPosition) continue;
      if (this.options.streamPrefix && !event.streamId.startsWith(this.options.streamPrefix)) continue;
      this.lastPosition = event.globalPosition;
      return { done: false, value: event };
    }
    return DONE;
  }
}
