import type {
  AllSubscription,
  AppendResult,
  CountAllOptions,
  EventStore,
  EventsAfter,
  EventToAppend,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
  StreamRead,
  SubscribeOptions,
} from './event-store.port';

/**
 * The base of the port's decorators (observed, upcasting, crypto-shredding): every method forwards to
 * `inner`, and a decorator overrides only what it changes. Decorators map events one to one, so what they
 * leave alone (countAll, headPosition, ping...) is the inner store's answer.
 */
export abstract class ForwardingEventStore implements EventStore {
  constructor(readonly inner: EventStore) {}

  appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options?: { expectedRevision?: ExpectedRevision },
  ): Promise<AppendResult> {
    return this.inner.appendToStream(streamId, events, options);
  }

  appendToStreams(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    return this.inner.appendToStreams(appends);
  }

  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.inner.readStream(streamId, options);
  }

  readStreams(reads: readonly StreamRead[]): Promise<RecordedEvent[][]> {
    return this.inner.readStreams(reads);
  }

  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.inner.readAll(options);
  }

  countAll(options?: CountAllOptions): Promise<EventsAfter> {
    return this.inner.countAll(options);
  }

  subscribeToAll(options?: SubscribeOptions): AllSubscription {
    return this.inner.subscribeToAll(options);
  }

  headPosition(): Promise<bigint> {
    return this.inner.headPosition();
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
