import { WrongExpectedRevisionError } from './event-store.errors';
import type {
  AppendResult,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  StreamAppend,
} from './event-store.port';
import { ForwardingEventStore } from './forwarding.event-store';

export interface AppendObservation {
  readonly streamId: string;
  /** Events in the append (its batch size). */
  readonly events: number;
  readonly durationMs: number;
  /** `conflict`: the expected revision did not hold (a normal outcome under concurrency). */
  readonly outcome: 'ok' | 'conflict' | 'error';
}

/** Told about every append (metrics); must not throw and must be cheap. */
export interface EventStoreObserver {
  appended(observation: AppendObservation): void;
}

/** Optional provider: when present, EventStoreModule wraps the store so every append is observed. */
export const EVENT_STORE_OBSERVER = Symbol('EVENT_STORE_OBSERVER');

/** An EventStore that reports each append's size, duration and outcome; everything else passes through. */
export class ObservedEventStore extends ForwardingEventStore {
  constructor(
    inner: EventStore,
    private readonly observer: EventStoreObserver,
  ) {
    super(inner);
  }

  override async appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options?: { expectedRevision?: ExpectedRevision },
  ): Promise<AppendResult> {
    const started = process.hrtime.bigint();
    const observe = (outcome: AppendObservation['outcome']) =>
      this.observer.appended({
        streamId,
        events: events.length,
        durationMs: Number(process.hrtime.bigint() - started) / 1e6,
        outcome,
      });
    try {
      const result = await this.inner.appendToStream(streamId, events, options);
      observe('ok');
      return result;
    } catch (error) {
      observe(error instanceof WrongExpectedRevisionError ? 'conflict' : 'error');
      throw error;
    }
  }

  /**
   * Success: one observation per append (so per-stream batch sizes and event counts stay right), each with
   * an even share of the call's duration, as the appends were made together: the durations still sum to
   * the time spent appending. Failure: one observation for the whole call (all of its events), naming the
   * stream that conflicted, or the first one; which appends were written depends on the adapter (see the
   * port), so none is reported ok.
   */
  override async appendToStreams(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    const started = process.hrtime.bigint();
    const elapsedMs = () => Number(process.hrtime.bigint() - started) / 1e6;
    let results: AppendResult[];
    try {
      results = await this.inner.appendToStreams(appends);
    } catch (error) {
      const conflict = error instanceof WrongExpectedRevisionError;
      if (appends.length > 0)
        this.observer.appended({
          streamId: conflict ? error.streamId : appends[0].streamId,
          events: appends.reduce((sum, append) => sum + append.events.length, 0),
          durationMs: elapsedMs(),
          outcome: conflict ? 'conflict' : 'error',
        });
      throw error;
    }
    const share = elapsedMs() / Math.max(1, appends.length);
    for (const { streamId, events } of appends)
      this.observer.appended({ streamId, events: events.length, durationMs: share, outcome: 'ok' });
    return results;
  }
}
