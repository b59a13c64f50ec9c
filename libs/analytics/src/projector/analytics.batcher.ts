import type { RecordedEvent } from '@crm/event-store';

export interface AnalyticsBatcherOptions {
  /** Flush as soon as this many events are waiting (and write at most this many per `apply`). Default 5,000. */
  readonly maxEvents?: number;
  /** Flush what is waiting this long after the first of it arrived. Default 1,000 ms. */
  readonly maxWaitMs?: number;
}

/** Ids of events the sink left out (it cannot store them): the consumer dead-letters them. */
export type LeftOut = ReadonlySet<string>;

interface Waiter {
  readonly resolve: (leftOut: LeftOut) => void;
  readonly reject: (error: unknown) => void;
}

interface Batch {
  events: RecordedEvent[];
  waiters: Waiter[];
}

export class BatcherClosedError extends Error {
  constructor() {
    super('The analytics batcher is closed');
    this.name = 'BatcherClosedError';
  }
}

/**
 * Gathers events from many small deliveries (one per bus partition batch) into few large ClickHouse inserts:
 * ClickHouse wants thousands of rows per insert, the bus hands out tens.
 *
 * `add()` resolves only once a flush that contains all of the added events succeeded, and rejects if it
 * failed; a consumer awaits it and commits its offsets after, so nothing is acknowledged that ClickHouse did
 * not accept. A failed batch is not retried here: its consumers' deliveries reject and the bus redelivers them
 * (the projector is idempotent). Flushes run one at a time, in order.
 */
export class AnalyticsBatcher {
  private readonly maxEvents: number;
  private readonly maxWaitMs: number;
  private batch: Batch = { events: [], waiters: [] };
  private timer?: NodeJS.Timeout;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly sink: (events: RecordedEvent[]) => Promise<Iterable<string> | void>,
    options: AnalyticsBatcherOptions = {},
  ) {
    this.maxEvents = options.maxEvents ?? 5_000;
    this.maxWaitMs = options.maxWaitMs ?? 1_000;
    if (!(this.maxEvents >= 1) || !(this.maxWaitMs >= 0))
      throw new RangeError('maxEvents >= 1, maxWaitMs >= 0');
  }

  /** Events waiting for the next flush. */
  get pending(): number {
    return this.batch.events.length;
  }

  /** Resolves with the ids of the flush's events the sink left out (usually none). */
  add(events: readonly RecordedEvent[]): Promise<LeftOut> {
    if (this.closed) return Promise.reject(new BatcherClosedError());
    const done = new Promise<LeftOut>((resolve, reject) => this.batch.waiters.push({ resolve, reject }));
    this.batch.events.push(...events);
    if (this.batch.events.length >= this.maxEvents) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.maxWaitMs);
      this.timer.unref?.();
    }
    return done;
  }

  /** Flushes what is waiting now; resolves when every flush started so far is finished (failures included). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.batch;
    this.batch = { events: [], waiters: [] };
    if (batch.waiters.length > 0) this.chain = this.chain.then(() => this.write(batch));
    return this.chain;
  }

  /** Flushes what is waiting and refuses further events. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private async write(batch: Batch): Promise<void> {
    try {
      const leftOut = new Set<string>();
      for (let i = 0; i < batch.events.length; i += this.maxEvents) {
        for (const id of (await this.sink(batch.events.slice(i, i + this.maxEvents))) ?? []) leftOut.add(id);
      }
      for (const waiter of batch.waiters) waiter.resolve(leftOut);
    } catch (error) {
      for (const waiter of batch.waiters) waiter.reject(error);
    }
  }
}
