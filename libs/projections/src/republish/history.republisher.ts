import type { EventStore, RecordedEvent } from '@crm/event-store';
import { encodeCustomerEvent, type Bus } from '@crm/messaging';

export interface RepublishOptions {
  /** First position to republish (inclusive). */
  readonly fromPosition?: bigint;
  /** Or: the first event recorded at or after this instant (the store's order is recording order). */
  readonly fromDate?: string;
  /** Most events per second, on average. Default: as fast as the broker takes them. */
  readonly ratePerSecond?: number;
  /** Events per read and, at most, per publish. Default 1,000. */
  readonly batchSize?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: RepublishProgress) => void;
}

export interface RepublishProgress {
  readonly fromPosition: bigint;
  /** Head of the store when the run started: where it stops. */
  readonly toPosition: bigint;
  /** Last position published. */
  readonly position: bigint;
  readonly events: number;
  readonly elapsedMs: number;
  readonly eventsPerSecond: number;
  readonly fraction: number;
  readonly done: boolean;
}

export class RepublishInterruptedError extends Error {
  readonly code = 'REPUBLISH_INTERRUPTED';
  constructor(readonly position: bigint | undefined) {
    super(
      `Republish interrupted${position === undefined ? ' before the first event' : ` after position ${position}`}; ` +
        `run again with --from-position ${position === undefined ? '<the same>' : position + 1n} to go on`,
    );
    this.name = 'RepublishInterruptedError';
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/**
 * Publishes the history of customer events, from a position or a date up to the head as of the start, to a
 * topic of its own, for a new consumer group: in global order, keyed by customer as the relay does (so
 * per-customer order holds on every partition), with the same record format (current schema versions: the
 * store upcasts), at a bounded average rate so the broker and the consumers' downstream are not flooded.
 * At-least-once like the relay: an interrupted run is resumed from the position it reports.
 */
export class HistoryRepublisher {
  constructor(
    private readonly store: EventStore,
    private readonly bus: Bus,
  ) {}

  async run(options: RepublishOptions): Promise<RepublishProgress> {
    const batchSize = options.batchSize ?? 1_000;
    const rate = options.ratePerSecond;
    const toPosition = await this.store.headPosition();
    const fromPosition =
      options.fromPosition ??
      (options.fromDate !== undefined ? await this.firstRecordedAt(options.fromDate, toPosition) : 1n);
    // A publish at most a fifth of a second's worth: the rate holds within the second, not only on average.
    const chunk = rate === undefined ? batchSize : Math.max(1, Math.min(batchSize, Math.ceil(rate / 5)));
    const started = Date.now();
    let events = 0;
    let position: bigint | undefined;
    const progress = (done: boolean): RepublishProgress => {
      const elapsedMs = Date.now() - started;
      const last = position ?? fromPosition - 1n;
      const span = Number(toPosition - fromPosition + 1n);
      return {
        fromPosition,
        toPosition,
        position: last,
        events,
        elapsedMs,
        eventsPerSecond: elapsedMs > 0 ? (events * 1000) / elapsedMs : 0,
        fraction: done ? 1 : span > 0 ? Math.min(1, Number(last - fromPosition + 1n) / span) : 1,
        done,
      };
    };

    let after = fromPosition > 0n ? fromPosition - 1n : undefined;
    for (;;) {
      const batch = // Every stream, as the relay publishes them (customers' and campaigns').
        (await this.store.readAll({ after, maxCount: batchSize })).filter(
          (e) => e.globalPosition <= toPosition,
        );
      if (batch.length === 0) break;
      for (let i = 0; i < batch.length; i += chunk) {
        if (options.signal?.aborted) throw new RepublishInterruptedError(position);
        const slice = batch.slice(i, i + chunk);
        await this.bus.publish(slice.map((e) => encodeCustomerEvent(e, { 'x-republished': 'true' })));
        events += slice.length;
        position = slice[slice.length - 1].globalPosition;
        options.onProgress?.(progress(false));
        if (rate !== undefined) {
          const ahead = (events * 1000) / rate - (Date.now() - started);
          if (ahead > 0) await sleep(ahead, options.signal);
        }
      }
      after = batch[batch.length - 1].globalPosition;
      if (after >= toPosition) break;
    }
    const result = progress(true);
    options.onProgress?.(result);
    return result;
  }

  /**
   * The position of the first event recorded at or after `date`: a binary search over positions, as
   * recording time follows the store's global order (about 2 log2(head) single-event reads).
   */
  private async firstRecordedAt(date: string, head: bigint): Promise<bigint> {
    const at = Date.parse(date);
    const eventAfter = async (position: bigint): Promise<RecordedEvent | undefined> =>
      (await this.store.readAll({ after: position, maxCount: 1 }))[0];
    let lo = 0n; // the answer is after lo...
    let hi = head; // ...and at most the first event after hi (none: nothing to publish)
    while (lo < hi) {
      const mid = (lo + hi) / 2n;
      const event = await eventAfter(mid);
      if (event === undefined || Date.parse(event.recordedAt) >= at) hi = mid;
      else lo = event.globalPosition;
    }
    const first = await eventAfter(lo);
    return first && Date.parse(first.recordedAt) >= at ? first.globalPosition : head + 1n;
  }
}
