import type {
  AllSubscription,
  EventStore,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamRead,
  SubscribeOptions,
} from '../event-store.port';
import { ForwardingEventStore } from '../forwarding.event-store';
import type { UpcasterChain } from './upcaster';

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * An EventStore whose reads return every event in its type's current schema version, over any adapter.
 * Appends pass through unchanged: writers always write the current version, and history stays as it was
 * recorded (upcasting on read, never rewriting). Positions, revisions and maxCount are the inner store's,
 * as upcasting maps events one to one.
 */
export class UpcastingEventStore extends ForwardingEventStore {
  constructor(
    inner: EventStore,
    readonly chain: UpcasterChain,
  ) {
    super(inner);
  }

  override async readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.chain.upcastAll(await this.inner.readStream(streamId, options));
  }

  override async readStreams(reads: readonly StreamRead[]): Promise<RecordedEvent[][]> {
    return (await this.inner.readStreams(reads)).map((events) => this.chain.upcastAll(events));
  }

  override async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.chain.upcastAll(await this.inner.readAll(options));
  }

  override subscribeToAll(options?: SubscribeOptions): AllSubscription {
    return new UpcastingSubscription(this.inner.subscribeToAll(options), this.chain);
  }
}

/**
 * Upcasts each event a subscription hands out. close() (and `for await`'s break) close the inner
 * subscription, which ends a pending next() at once, as the port requires.
 *
 * An event that cannot be upcast fails next() and then every later next() with the same error, and closes
 * the inner subscription: the inner cursor has already moved past that event, so pulling on would skip it
 * silently and the consumer's checkpoint would jump over it.
 */
class UpcastingSubscription implements AllSubscription, AsyncIterator<RecordedEvent> {
  private readonly iterator: AsyncIterator<RecordedEvent>;
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly inner: AllSubscription,
    private readonly chain: UpcasterChain,
  ) {
    this.iterator = inner[Symbol.asyncIterator]();
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return this;
  }

  async next(): Promise<IteratorResult<RecordedEvent>> {
    this.throwIfFailed();
    const result = await this.iterator.next();
    // A concurrent next() may have failed while this one waited: it must not report a clean end.
    this.throwIfFailed();
    if (result.done) return result;
    try {
      return { done: false, value: this.chain.upcast(result.value) };
    } catch (error) {
      const failure = (this.failure ??= { error });
      await this.inner.close();
      throw failure.error;
    }
  }

  async return(): Promise<IteratorResult<RecordedEvent>> {
    await this.close();
    return DONE;
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}
