import {
  Bus,
  BusConsumer,
  BusMessage,
  BusRecord,
  ConsumeOptions,
  CUSTOMER_LIFECYCLE_TOPIC,
  deadLetterTopic,
  DEFAULT_PARTITIONS,
  DeadLetter,
  PartitionLag,
} from '../bus.port';
import { partitionOf } from '../partition-of';
import { deliverWithRetry } from '../retry-batch';

interface PendingPublish {
  /** Per partition: the offset after the publish's last record there. */
  readonly targets: ReadonlyMap<number, number>;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

interface Group {
  readonly name: string;
  /** Next offset to deliver, per partition. */
  readonly committed: number[];
  running: boolean;
}

export interface InProcessBusOptions {
  readonly topic?: string;
  readonly partitions?: number;
  /**
   * Offset of the first record of every partition. Default: the creation time in microseconds, so offsets
   * keep growing across restarts of the process, like a Kafka topic's. Offsets stored by an application
   * (ConsumeOptions.resolveStartOffsets) under an earlier bus are then below the log start, hence out of
   * range, and ignored, instead of silently skipping the new bus's first records.
   */
  readonly baseOffset?: number;
  /**
   * Handled records kept per partition anyway, for groups that join later or start at stored offsets
   * (the in-process "retention"). Default 1,000. Unhandled records are always kept.
   */
  readonly retainHandled?: number;
  /**
   * Publishes a caller may keep in flight (Bus.publishWindow). Default 1,024: wide, so that a live stream's
   * many small publishes never fill it; publishWindowRecords is the bound that matters.
   */
  readonly publishWindow?: number;
  /**
   * Records a caller may keep in flight (Bus.publishWindowRecords). Default 20,000: the relay keeps handing
   * out records while the slowest group (ClickHouse, which writes in large batches) works through earlier
   * ones, so each group moves at its own pace (the read model is not held by the analytics writes) while the
   * records not yet handled by every group, hence this bus's memory, stay bounded by it. The price: a restart
   * redelivers up to that many records to the faster groups (the relay checkpoints the slowest group's
   * position), which skip them as already applied.
   */
  readonly publishWindowRecords?: number;
  /**
   * Most records per delivery when the consumer does not say (ConsumeOptions.maxBatchSize). Default 2,000:
   * a group that gathers deliveries into large writes (analytics) gets them from a backlog in few handler
   * calls; a live stream's deliveries are as small as its publishes whatever this is.
   */
  readonly defaultMaxBatchSize?: number;
  /** Called on handler failures (the bus keeps retrying). */
  readonly onError?: (message: string, error: unknown) => void;
}

/**
 * The embedded bus: N partitions in memory, the same semantics as Kafka (per-key order, groups with
 * committed offsets, at-least-once redelivery, dead letters) within one process.
 *
 * It is not durable, so `publish` resolves only once every consumer group has handled the records: a crash
 * can then never lose what the relay has checkpointed (the relay republishes anything not acknowledged).
 * That also gives the embedded pipeline natural back-pressure. Handled records are dropped from memory
 * (but for the newest `retainHandled`), so a group that joins later starts at the oldest record still held,
 * like a Kafka consumer after retention.
 */
export class InProcessBus implements Bus {
  readonly topic: string;
  /** Name only: the in-process dead letters are the `deadLetters` list. */
  readonly deadLetterTopic: string;
  readonly partitions: number;
  readonly publishWindow: number;
  readonly publishWindowRecords: number;
  /** Most records per delivery when the consumer does not say (InProcessBusOptions.defaultMaxBatchSize). */
  private readonly defaultMaxBatchSize: number;
  /** Dead letters, oldest first (the in-process dead-letter topic). */
  readonly deadLetters: DeadLetter[] = [];
  /** Per partition: the retained messages and the offset of the first one. */
  private readonly logs: { base: number; messages: BusMessage[] }[];
  private readonly groups = new Map<string, Group>();
  private waiters: (() => void)[] = [];
  /**
   * Publishes not yet handled by every group, oldest first. Resolved from the head only: a publish is done no
   * earlier than the ones before it (the relay awaits them in that order anyway), and each change of a group's
   * position checks a few of them instead of all.
   */
  private publishes: PendingPublish[] = [];
  private closed = false;

  constructor(private readonly options: InProcessBusOptions = {}) {
    this.topic = options.topic ?? CUSTOMER_LIFECYCLE_TOPIC;
    this.deadLetterTopic = deadLetterTopic(this.topic);
    this.partitions = positiveInteger('partitions', options.partitions ?? DEFAULT_PARTITIONS);
    this.publishWindow = positiveInteger('publishWindow', options.publishWindow ?? 1_024);
    this.publishWindowRecords = positiveInteger(
      'publishWindowRecords',
      options.publishWindowRecords ?? 20_000,
    );
    this.defaultMaxBatchSize = positiveInteger(
      'defaultMaxBatchSize',
      options.defaultMaxBatchSize ?? DEFAULT_MAX_BATCH,
    );
    const base = options.baseOffset ?? Date.now() * 1000;
    this.logs = Array.from({ length: this.partitions }, () => ({ base, messages: [] }));
  }

  async publish(records: readonly BusRecord[]): Promise<void> {
    if (this.closed) throw new Error('InProcessBus is closed');
    for (const record of records) {
      if (typeof record.key !== 'string' || record.key.length === 0)
        throw new Error('BusRecord.key must be a non-empty string');
    }
    const targets = new Map<number, number>();
    for (const record of records) {
      const partition = partitionOf(record.key, this.partitions);
      const log = this.logs[partition];
      const offset = log.base + log.messages.length;
      log.messages.push({
        key: record.key,
        value: Buffer.isBuffer(record.value) ? Buffer.from(record.value) : Buffer.from(record.value),
        headers: { ...record.headers },
        partition,
        offset: String(offset),
      });
      targets.set(partition, offset + 1);
    }
    // Durable means "handled by every group" here: resolved once each group committed past these records.
    const done = new Promise<void>((resolve, reject) => this.publishes.push({ targets, resolve, reject }));
    this.notify();
    return done;
  }

  async consume(options: ConsumeOptions): Promise<BusConsumer> {
    if (this.closed) throw new Error('InProcessBus is closed');
    const existing = this.groups.get(options.group);
    if (existing?.running) throw new Error(`Group ${options.group} already has a consumer in this process`);
    const fromBeginning = options.fromBeginning ?? true;
    const group: Group = existing ?? {
      name: options.group,
      committed: this.logs.map((log) => (fromBeginning ? log.base : log.base + log.messages.length)),
      running: true,
    };
    if (options.resolveStartOffsets) {
      const all = this.logs.map((_, partition) => partition);
      let stored: ReadonlyMap<number, string | bigint> = new Map();
      try {
        stored = await options.resolveStartOffsets(all, this.topic);
      } catch (error) {
        this.options.onError?.(
          `group ${options.group}: resolveStartOffsets failed, using committed offsets`,
          error,
        );
      }
      for (const [partition, value] of stored) {
        const log = this.logs[partition];
        if (!log) continue;
        const offset = Number(value);
        const end = log.base + log.messages.length;
        // Out of range (an earlier bus's offsets, or past the end): reset like Kafka does.
        group.committed[partition] =
          Number.isSafeInteger(offset) && offset >= log.base && offset <= end
            ? offset
            : fromBeginning
              ? log.base
              : end;
      }
    }
    group.running = true;
    this.groups.set(group.name, group);
    const slots = new Semaphore(Math.max(1, options.concurrency ?? this.partitions));
    const loops = this.logs.map((_, partition) => this.runPartition(group, partition, options, slots));
    let stopping: Promise<void> | undefined;
    return {
      group: group.name,
      stop: () =>
        (stopping ??= (async () => {
          group.running = false;
          this.notify();
          await Promise.all(loops);
          this.notify();
        })()),
      lag: async () => this.lag(group),
    };
  }

  async ping(): Promise<void> {
    if (this.closed) throw new Error('InProcessBus is closed');
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const group of this.groups.values()) group.running = false;
    const unhandled = this.publishes;
    this.publishes = [];
    for (const publish of unhandled) publish.reject(new Error('InProcessBus is closed'));
    this.notify();
  }

  private async runPartition(
    group: Group,
    partition: number,
    options: ConsumeOptions,
    slots: Semaphore,
  ): Promise<void> {
    const maxBatch = options.maxBatchSize ?? this.defaultMaxBatchSize;
    const running = () => group.running && !this.closed;
    while (running()) {
      const log = this.logs[partition];
      // A group whose position fell below the retained log (it was stopped while others went on) resumes at
      // the oldest record still held.
      if (group.committed[partition] < log.base) group.committed[partition] = log.base;
      const start = group.committed[partition] - log.base;
      if (start >= log.messages.length) {
        await this.until(
          () =>
            !running() ||
            group.committed[partition] - this.logs[partition].base < this.logs[partition].messages.length,
        ).catch(() => undefined);
        continue;
      }
      const batch = log.messages.slice(start, start + maxBatch);
      const release = await slots.acquire();
      let handled: boolean;
      try {
        handled = await deliverWithRetry(batch, {
          handler: options.handler,
          retryBackoffMs: options.retryBackoffMs ?? 100,
          maxRetries: options.maxRetries,
          retryForever: options.retryForever,
          isRunning: running,
          deadLetter: async (message, reason, attempts) => {
            this.deadLetters.push({ message, group: group.name, reason, attempts });
          },
          onError: (error, attempt) =>
            this.options.onError?.(`group ${group.name} partition ${partition}, attempt ${attempt}`, error),
        });
      } finally {
        release();
      }
      if (!handled) return;
      group.committed[partition] = Number(batch[batch.length - 1].offset) + 1;
      this.trim(partition);
      this.notify();
    }
  }

  /**
   * Drops what every group has handled, except the newest `retainHandled` records; memory stays bounded by
   * the slowest group's backlog plus that. Dropped in slices, so the array is not shifted on every batch.
   */
  private trim(partition: number): void {
    const log = this.logs[partition];
    const end = log.base + log.messages.length;
    const retain = this.options.retainHandled ?? 1_000;
    const low = Math.min(end - retain, ...[...this.groups.values()].map((g) => g.committed[partition]));
    const drop = low - log.base;
    if (drop >= Math.max(1, Math.min(256, retain))) {
      log.messages.splice(0, drop);
      log.base = low;
    }
  }

  private lag(group: Group): PartitionLag[] {
    return this.logs.map((log, partition) => {
      const end = log.base + log.messages.length;
      const committed = Math.max(group.committed[partition], log.base);
      return {
        partition,
        committed: String(committed),
        end: String(end),
        lag: end - committed,
      };
    });
  }

  private notify(): void {
    while (this.publishes.length > 0 && this.handledByAll(this.publishes[0].targets)) {
      (this.publishes.shift() as PendingPublish).resolve();
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private handledByAll(targets: ReadonlyMap<number, number>): boolean {
    for (const group of this.groups.values()) {
      if (!group.running) continue;
      for (const [partition, end] of targets) if (group.committed[partition] < end) return false;
    }
    return true;
  }

  private async until(condition: () => boolean): Promise<void> {
    while (!condition()) {
      if (this.closed) throw new Error('InProcessBus is closed');
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
}

const DEFAULT_MAX_BATCH = 2_000;

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer, got ${value}`);
  return value;
}

/** At most `size` holders at a time (ConsumeOptions.concurrency). */
class Semaphore {
  private readonly queue: (() => void)[] = [];

  constructor(private available: number) {}

  async acquire(): Promise<() => void> {
    if (this.available > 0) this.available -= 1;
    else await new Promise<void>((resolve) => this.queue.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) next();
      else this.available += 1;
    };
  }
}
