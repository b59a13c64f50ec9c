import type { AllSubscription, RecordedEvent } from '../event-store.port';

/** What a subscription needs from the store. */
export interface SqliteSubscriptionSource {
  /** Events strictly after `after`, in global order, at most `limit`. Synchronous (better-sqlite3). */
  readBatch(after: bigint, streamPrefix: string | undefined, limit: number): RecordedEvent[];
  /** Registers a one-shot wake-up for the next append made through this store instance; returns an unregister. */
  onNextAppend(listener: () => void): () => void;
}

export interface SqliteSubscriptionOptions {
  after?: bigint;
  streamPrefix?: string;
  /** Rows read per query: bounds memory whatever the size of the store. */
  batchSize: number;
  /** Appends by other processes on the same file are only seen by polling. */
  pollIntervalMs: number;
  onClosed(subscription: SqliteAllSubscription): void;
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * Catch-up then live subscription over the events table. It pulls batches of `batchSize` rows after the
 * last position it handed out; when a batch is empty it waits for an append through this instance
 * (prompt) or the poll interval (appends from other processes), whichever comes first.
 *
 * No gaps: SQLite has one writer at a time and positions are assigned inside the write transaction, so
 * every snapshot a reader sees is a prefix of the global order. No duplicates: the cursor only moves
 * forwards. `next()` calls are serialised, so concurrent callers cannot interleave the cursor.
 */
export class SqliteAllSubscription implements AllSubscription, AsyncIterator<RecordedEvent> {
  private cursor: bigint;
  private buffer: RecordedEvent[] = [];
  private bufferIndex = 0;
  private closed = false;
  private wake: (() => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly source: SqliteSubscriptionSource,
    private readonly options: SqliteSubscriptionOptions,
  ) {
    this.cursor = options.after ?? 0n;
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return this;
  }

  next(): Promise<IteratorResult<RecordedEvent>> {
    const result = this.queue.then(() => this.pull());
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Called by `for await` on break/throw. */
  async return(): Promise<IteratorResult<RecordedEvent>> {
    await this.close();
    return DONE;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.buffer = [];
    this.bufferIndex = 0;
    this.wake?.();
    this.options.onClosed(this);
  }

  private async pull(): Promise<IteratorResult<RecordedEvent>> {
    while (!this.closed) {
      if (this.bufferIndex < this.buffer.length) {
        return { done: false, value: this.buffer[this.bufferIndex++] };
      }
      const batch = this.source.readBatch(this.cursor, this.options.streamPrefix, this.options.batchSize);
      if (batch.length > 0) {
        this.buffer = batch;
        this.bufferIndex = 0;
        this.cursor = batch[batch.length - 1].globalPosition;
        continue;
      }
      // Nothing new. Registering the wake-up happens in the same tick as the empty read, and appends
      // through this instance are synchronous on this thread, so none can slip in between.
      await this.waitForAppend();
    }
    return DONE;
  }

  private waitForAppend(): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        unregister();
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.options.pollIntervalMs);
      const unregister = this.source.onNextAppend(done);
      this.wake = done;
    });
  }
}
