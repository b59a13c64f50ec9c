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
   * Publishes a caller may keep in flight (Bus.publishWindow). Default 8: the relay keeps handing out
   * records while the slowest group (ClickHouse, which writes in large batches) works through earlier ones,
   * so one group's pace does not become the other's lag; unhandled records stay bounded by it.
   */
  readonly publishWindow?: number;
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
  /** Dead letters, oldest first (the in-process dead-letter topic). */
  readonly deadLetters: DeadLetter[] = [];
  /** Per partition: the retained messages and the offset of the first one. */
  private readonly logs: { base: number; messages: BusMessage[] }[];
  private readonly groups = new Map<string, Group>();
  private waiters: (() => void)[] = [];
  private closed = false;

  constructor(private readonly options: InProcessBusOptions = {}) {
    this.topic = options.topic ?? CUSTOMER_LIFECYCLE_TOPIC;
    this.deadLetterTopic = deadLetterTopic(this.topic);
    this.partitions = options.partitions ?? DEFAULT_PARTITIONS;
    if (!Number.isInteger(this.partitions) || this.partitions < 1) {
      throw new Error(`partitions must be a positive integer, got ${options.partitions}`);
    }
    this.publishWindow = options.publishWindow ?? 8;
    if (!Number.isInteger(this.publishWindow) || this.publishWindow < 1) {
      throw new Error(`publishWindow must be a positive integer, got ${options.publishWindow}`);
    }
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
    this.notify();
    // Durable means "handled by every group" here: wait until each group committed past these records.
    await this.until(() =>
      [...targets].every(([partition, end]) =>
        [...this.groups.values()].every((g) => !g.running || g.committed[partition] >= end),
      ),
    );
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
    this.notify();
  }

  private async runPartition(
    group: Group,
    partition: number,
    options: ConsumeOptions,
    slots: Semaphore,
  ): Promise<void> {
    const maxBatch = options.maxBatchSize ?? 500;
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
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private async until(condition: () => boolean): Promise<void> {
    while (!condition()) {
      if (this.closed) throw new Error('InProcessBus is closed');
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
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
