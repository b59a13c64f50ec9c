/**
 * The bus port: keyed records on one topic, consumed by named groups with per-key order, at-least-once
 * delivery and explicit acknowledgement. Adapters: `kafka/` (production) and `in-process/` (embedded);
 * both pass `testing/bus.contract.ts`.
 *
 * - Per-key order: records with one key land on one partition and reach a group's handler in publish order.
 * - `publish` resolves once the records are durably accepted (Kafka: acks=all from an idempotent producer
 *   with one request in flight, so retries neither reorder nor duplicate; in-process: see InProcessBus).
 * - At-least-once, explicit acknowledgement: a partition's offset is committed only after the handler
 *   resolved for every message below it. A failing batch is handed over again; a consumer restarted in its
 *   group resumes after the last acknowledged message (unacknowledged ones come again).
 * - Dead letters: `<topic>.dlq`, with the original key, value and headers plus the DLQ_HEADERS.
 */

export interface BusRecord {
  /** Partitioning key: records with one key are delivered in publish order. */
  readonly key: string;
  readonly value: Buffer | string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface BusMessage {
  readonly key: string;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  readonly partition: number;
  /** Decimal string (Kafka offsets are int64). */
  readonly offset: string;
}

/**
 * Handles a batch of messages of ONE partition, in order. Resolving acknowledges the whole batch (its offsets
 * are committed after); throwing makes the bus deliver the batch again after a back-off. Throw
 * PoisonMessageError for a message that can never be handled: it goes to the dead-letter topic, the rest of
 * the batch is delivered again without it.
 */
export type BatchHandler = (messages: readonly BusMessage[]) => Promise<void>;

/** Next offset to read, per partition (kafkajs convention: last handled offset + 1), decimal string. */
export type StartOffsets = ReadonlyMap<number, string | bigint>;

export interface ConsumeOptions {
  readonly group: string;
  readonly handler: BatchHandler;
  /** Most messages per handler call. Default 500 (in-process: InProcessBusOptions.defaultMaxBatchSize). */
  readonly maxBatchSize?: number;
  /** Back-off between redeliveries of a failing batch (doubles up to 30 s). Default 100 ms (Kafka: 200 ms). */
  readonly retryBackoffMs?: number;
  /**
   * Redeliveries of a failing batch before its messages are dead-lettered. Default: unlimited, so a
   * database or broker outage never dead-letters good messages (a projector must not skip events), and
   * only PoisonMessageError dead-letters. When set: after the last retry, a batch of several messages is
   * tried one message at a time, once each; those that still fail go to the dead-letter topic (reason: the
   * error's message), the others are acknowledged; then consumption continues.
   */
  readonly maxRetries?: number;
  /** With maxRetries: errors that never exhaust the retries (e.g. "database unreachable"). */
  readonly retryForever?: (error: unknown) => boolean;
  /**
   * Where a group without a committed offset starts: the log start (default, true) or its end. Also where
   * a consumer goes when its start offset is out of range (below the log start or past its end).
   */
  readonly fromBeginning?: boolean;
  /**
   * Offsets the application keeps itself, e.g. written in the same database transaction as the projected
   * data (exactly-once effect). Called with this consumer's partitions on every assignment; a partition in
   * the returned map starts at that offset (the next one to read) instead of the group's committed offset.
   * An offset out of range (a different Kafka topic, or offsets of an earlier in-process bus) falls back to
   * `fromBeginning`, as Kafka does. If the call fails, the committed offsets are used (onError is told).
   * Offsets are still committed to the group after each handled batch.
   */
  readonly resolveStartOffsets?: (partitions: readonly number[], topic: string) => Promise<StartOffsets>;
  /** Partitions handled concurrently by this consumer (one batch per partition at a time). Default: all. */
  readonly concurrency?: number;
}

export interface PartitionLag {
  readonly partition: number;
  /** Next offset the group will read (committed), and the partition's end. */
  readonly committed: string;
  readonly end: string;
  readonly lag: number;
}

export interface BusConsumer {
  readonly group: string;
  /** Finishes the batch in hand (and its commit), then stops. */
  stop(): Promise<void>;
  lag(): Promise<PartitionLag[]>;
}

export interface DeadLetter {
  readonly message: BusMessage;
  readonly group: string;
  readonly reason: string;
  /** Handler attempts made before the message was dead-lettered. */
  readonly attempts: number;
}

export interface Bus {
  readonly topic: string;
  /** `<topic>.dlq` */
  readonly deadLetterTopic: string;
  readonly partitions: number;
  /**
   * Publishes a caller may keep in flight at once (issued in order, awaited in order) without per-key order
   * breaking when one of them fails. Kafka: 1 (a failed request may be retried after a later one succeeded).
   * In-process: several, since a record is in the log the moment `publish` is called and only a closed bus
   * refuses one.
   */
  readonly publishWindow: number;
  /**
   * Records a caller may keep in flight at once across those publishes (undefined: only publishWindow bounds
   * them). In-process: what bounds the memory of the slowest group's backlog while the window is wide.
   */
  readonly publishWindowRecords?: number;
  /** Resolves once the records are durably accepted (Kafka: acks=all). */
  publish(records: readonly BusRecord[]): Promise<void>;
  consume(options: ConsumeOptions): Promise<BusConsumer>;
  /** Liveness probe for health checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Thrown by a handler for a message that will never succeed (malformed, unknown shape): dead-letter it. */
export class PoisonMessageError extends Error {
  constructor(
    readonly poison: BusMessage,
    reason: string,
  ) {
    super(reason);
    this.name = 'PoisonMessageError';
  }
}

export const BUS = Symbol('BUS');
export const CUSTOMER_LIFECYCLE_TOPIC = 'crm.customer-lifecycle.v1';
export const DEFAULT_PARTITIONS = 6;
export const deadLetterTopic = (topic: string) => `${topic}.dlq`;

/** Headers a dead-lettered message carries on top of its original ones. */
export const DLQ_HEADERS = {
  reason: 'x-dlq-reason',
  group: 'x-dlq-group',
  attempts: 'x-dlq-attempts',
  /** ISO 8601 time it was dead-lettered. */
  at: 'x-dlq-at',
  originalTopic: 'x-original-topic',
  originalPartition: 'x-original-partition',
  originalOffset: 'x-original-offset',
} as const;
