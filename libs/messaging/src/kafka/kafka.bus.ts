import {
  Admin,
  Consumer,
  EachBatchPayload,
  Kafka,
  KafkaMessage,
  logCreator,
  logLevel,
  Partitioners,
  Producer,
  RetryOptions,
} from 'kafkajs';
import {
  Bus,
  BusConsumer,
  BusMessage,
  BusRecord,
  ConsumeOptions,
  CUSTOMER_LIFECYCLE_TOPIC,
  deadLetterTopic,
  DEFAULT_PARTITIONS,
  DLQ_HEADERS,
  PartitionLag,
} from '../bus.port';
import { deliverWithRetry } from '../retry-batch';

export interface KafkaBusOptions {
  readonly brokers: readonly string[];
  readonly clientId?: string;
  readonly topic?: string;
  /** Partitions of the topic when this bus creates it (an existing topic keeps its own). Default 6. */
  readonly partitions?: number;
  /** `debug` prints kafkajs's own log; otherwise kafkajs errors go to onError (same text at most every 10 s). */
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Called on handler failures and broker trouble (the bus keeps retrying). */
  readonly onError?: (message: string, error: unknown) => void;
  /**
   * kafkajs retry policy of the client, producer and consumers. Default: 10 retries, 200 ms doubling to 5 s
   * (about 30 s in all: a broker restart takes a few seconds). A send still failing after that rejects
   * `publish` (the relay retries from its checkpoint); a consumer restarts itself.
   */
  readonly retry?: RetryOptions;
  /** Records per produce request; a larger publish is sent in order, chunk after chunk. Default 1,000. */
  readonly maxRecordsPerSend?: number;
}

const DEFAULT_RETRY: RetryOptions = { initialRetryTime: 200, maxRetryTime: 5_000, retries: 10 };
const CONSUMER_RESTART_MS = 2_000;
/** Between attempts to reach a broker that was not there (at boot, or never since). */
const RECONNECT_MS = 2_000;
const DLQ_SEND_ATTEMPTS = 5;

/**
 * Kafka adapter (kafkajs). One topic keyed by customer id; an idempotent producer with acks=all and one
 * request in flight, so a retried send cannot reorder or duplicate a customer's records; consumer groups
 * that commit offsets only after the handler resolved (manual commits, no auto-resolve); a dead-letter
 * topic `<topic>.dlq` carrying the reason in headers. Topics are created at startup when missing.
 */
export class KafkaBus implements Bus {
  readonly topic: string;
  readonly deadLetterTopic: string;
  /** Partitions the topic is created with (an existing topic keeps its own count). */
  readonly partitions: number;
  /** One: a failed send may succeed on retry after a later one did, which would reorder a key's records. */
  readonly publishWindow = 1;
  private readonly kafka: Kafka;
  private readonly admin: Admin;
  private readonly retry: RetryOptions;
  private producer?: Promise<Producer>;
  private ready?: Promise<void>;
  private readonly consumers = new Set<KafkaGroupConsumer>();
  private readonly lastLogged = new Map<string, number>();
  /** True once start() succeeded (until close). */
  private connected = false;
  private closed = false;
  private reconnectTimer?: NodeJS.Timeout;

  constructor(private readonly options: KafkaBusOptions) {
    this.topic = options.topic ?? CUSTOMER_LIFECYCLE_TOPIC;
    this.deadLetterTopic = deadLetterTopic(this.topic);
    this.partitions = options.partitions ?? DEFAULT_PARTITIONS;
    this.retry = options.retry ?? DEFAULT_RETRY;
    const debug = options.logLevel === 'debug';
    this.kafka = new Kafka({
      clientId: options.clientId ?? 'crm',
      brokers: [...options.brokers],
      logLevel: debug ? logLevel.DEBUG : logLevel.ERROR,
      ...(debug ? {} : { logCreator: this.quietLog }),
      connectionTimeout: 3_000,
      requestTimeout: 30_000,
      retry: this.retry,
    });
    this.admin = this.kafka.admin();
  }

  /** Connects and creates the topic and its dead-letter topic if missing. Idempotent. */
  start(): Promise<void> {
    this.ready ??= (async () => {
      await this.admin.connect();
      const wanted = this.partitions;
      const existing = new Set(await this.admin.listTopics());
      const missing = [
        { topic: this.topic, numPartitions: wanted },
        { topic: this.deadLetterTopic, numPartitions: 1 },
      ].filter((t) => !existing.has(t.topic));
      if (missing.length > 0) {
        try {
          await this.admin.createTopics({ topics: missing, waitForLeaders: true });
        } catch (error) {
          // Another process created them first.
          if (!String((error as Error).message).includes('already exists')) throw error;
        }
      }
      if (existing.has(this.topic)) {
        const [meta] = (await this.admin.fetchTopicMetadata({ topics: [this.topic] })).topics;
        if (meta && meta.partitions.length !== wanted) {
          // Not changed automatically: adding partitions moves keys, which would break per-key order.
          this.options.onError?.(
            `topic ${this.topic} has ${meta.partitions.length} partitions, configured ${wanted}; keeping ${meta.partitions.length}`,
            undefined,
          );
        }
      }
      this.connected = true;
    })().catch((error) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  /**
   * start() without failing: a broker that is not reachable (yet) is reported and tried again every few
   * seconds until it answers or the bus is closed. What a process calls at boot, so it runs (and says the
   * bus is down: ping() fails meanwhile) instead of exiting when Kafka comes up after it.
   */
  startInBackground(): void {
    if (this.closed || this.connected || this.reconnectTimer) return;
    this.start().catch((error: unknown) => {
      if (this.closed) return;
      this.reportError(`Kafka ${this.options.brokers.join(',')} not reachable, retrying`, error);
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = undefined;
        this.startInBackground();
      }, RECONNECT_MS);
    });
  }

  async publish(records: readonly BusRecord[]): Promise<void> {
    if (records.length === 0) return;
    for (const r of records) {
      if (typeof r.key !== 'string' || r.key.length === 0)
        throw new Error('BusRecord.key must be a non-empty string');
    }
    const producer = await this.getProducer();
    const chunk = this.options.maxRecordsPerSend ?? 1_000;
    // Chunks one after the other: a chunk is sent only once the previous one was acknowledged (order).
    for (let i = 0; i < records.length; i += chunk) {
      await producer.send({
        topic: this.topic,
        acks: -1,
        messages: records
          .slice(i, i + chunk)
          .map((r) => ({ key: r.key, value: r.value, headers: { ...r.headers } })),
      });
    }
  }

  /**
   * A group member. With a broker reached, it has joined (subscribed and running) when this resolves and
   * a failure to start rejects. Before any broker was reached (Kafka down at boot), it resolves at once
   * and the member joins once the broker answers, retrying meanwhile: the process does not wait or exit.
   */
  async consume(options: ConsumeOptions): Promise<BusConsumer> {
    const consumer = new KafkaGroupConsumer(this, this.kafka, options, this.retry, (c) =>
      this.consumers.delete(c),
    );
    if (!this.connected) {
      this.consumers.add(consumer);
      consumer.startWhenReachable();
      return consumer;
    }
    await this.start();
    this.consumers.add(consumer);
    try {
      await consumer.start();
    } catch (error) {
      await consumer.stop().catch(() => undefined);
      throw error;
    }
    return consumer;
  }

  async ping(): Promise<void> {
    await this.start();
    await this.admin.describeCluster();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    await Promise.all([...this.consumers].map((c) => c.stop().catch(() => undefined)));
    this.consumers.clear();
    if (this.producer)
      await (await this.producer.catch(() => undefined))?.disconnect().catch(() => undefined);
    this.producer = undefined;
    await this.admin.disconnect().catch(() => undefined);
    this.ready = undefined;
    this.connected = false;
  }

  /** @internal */
  reportError(message: string, error: unknown): void {
    this.options.onError?.(message, error);
  }

  /** @internal Sends one message to the dead-letter topic; retried, as losing it would lose the message. */
  async deadLetter(message: BusMessage, group: string, reason: string, attempts: number): Promise<void> {
    const producer = await this.getProducer();
    const record = {
      key: message.key,
      value: message.value,
      headers: {
        ...message.headers,
        [DLQ_HEADERS.reason]: reason.slice(0, 1000),
        [DLQ_HEADERS.group]: group,
        [DLQ_HEADERS.attempts]: String(attempts),
        [DLQ_HEADERS.at]: new Date().toISOString(),
        [DLQ_HEADERS.originalTopic]: this.topic,
        [DLQ_HEADERS.originalPartition]: String(message.partition),
        [DLQ_HEADERS.originalOffset]: message.offset,
      },
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await producer.send({ topic: this.deadLetterTopic, acks: -1, messages: [record] });
        return;
      } catch (error) {
        if (attempt >= DLQ_SEND_ATTEMPTS) throw error;
        this.reportError(`dead-lettering ${message.partition}/${message.offset} failed, retrying`, error);
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
  }

  /** @internal */
  async lag(group: string): Promise<PartitionLag[]> {
    await this.start();
    const [ends, committed] = await Promise.all([
      this.admin.fetchTopicOffsets(this.topic),
      this.admin.fetchOffsets({ groupId: group, topics: [this.topic] }),
    ]);
    const committedBy = new Map(
      (committed[0]?.partitions ?? [])
        .filter((p) => /^\d+$/.test(p.offset))
        .map((p) => [p.partition, BigInt(p.offset)]),
    );
    return ends
      .map((end) => {
        // Nothing committed yet (or an offset below the log start): the group starts at the log start.
        const low = BigInt(end.low);
        const committedOffset = committedBy.get(end.partition);
        const done = committedOffset === undefined || committedOffset < low ? low : committedOffset;
        return {
          partition: end.partition,
          committed: done.toString(),
          end: end.high,
          lag: Number(BigInt(end.high) - done),
        };
      })
      .sort((a, b) => a.partition - b.partition);
  }

  private getProducer(): Promise<Producer> {
    this.producer ??= (async () => {
      await this.start();
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: this.retry,
      });
      await producer.connect();
      return producer;
    })().catch((error) => {
      this.producer = undefined;
      throw error;
    });
    return this.producer;
  }

  /** kafkajs errors to onError, each distinct text at most every 10 s (a broker restart repeats them). */
  private readonly quietLog: logCreator = () => (entry) => {
    if (entry.level > logLevel.ERROR || !this.options.onError) return;
    const text = `kafkajs ${entry.namespace}: ${entry.log.message}`;
    const now = Date.now();
    if (now - (this.lastLogged.get(text) ?? 0) < 10_000) return;
    this.lastLogged.set(text, now);
    if (this.lastLogged.size > 200) this.lastLogged.clear();
    this.options.onError(text, entry.log.error ?? undefined);
  };
}

/**
 * One consumer-group member. Offsets: committed only after the handler resolved; on each assignment the
 * partitions found in `resolveStartOffsets` are sought to the stored offsets before any batch is handled
 * (a batch fetched before the seek is dropped: kafkajs marks it stale). If kafkajs gives up (a crash it does
 * not restart from), a fresh kafkajs consumer takes over after a pause.
 */
class KafkaGroupConsumer implements BusConsumer {
  readonly group: string;
  private consumer?: Consumer;
  private running = true;
  private stopping?: Promise<void>;
  private restartTimer?: NodeJS.Timeout;
  /** Seeks to the application's stored offsets for the current assignment; batches wait for it. */
  private positioning: Promise<void> = Promise.resolve();
  /** Offset commits sent and not answered yet: stop() waits for them. */
  private readonly commits = new Set<Promise<void>>();

  constructor(
    private readonly bus: KafkaBus,
    private readonly kafka: Kafka,
    private readonly options: ConsumeOptions,
    private readonly retry: RetryOptions,
    private readonly onStopped: (consumer: KafkaGroupConsumer) => void,
  ) {
    this.group = options.group;
  }

  async start(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.options.group,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      rebalanceTimeout: 15_000,
      maxWaitTimeInMs: 1_000,
      maxBytesPerPartition: 4 * 1024 * 1024,
      allowAutoTopicCreation: false,
      retry: { ...this.retry, restartOnFailure: async () => true },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      const partitions = event.payload.memberAssignment[this.bus.topic] ?? [];
      this.positioning = this.position(consumer, partitions);
    });
    consumer.on(consumer.events.CRASH, (event) => {
      const { error, restart } = event.payload;
      this.bus.reportError(`consumer ${this.group} crashed${restart ? ', kafkajs restarts it' : ''}`, error);
      if (!restart && this.running && this.consumer === consumer) this.scheduleRestart();
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [this.bus.topic], fromBeginning: this.options.fromBeginning ?? true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: Math.max(1, this.options.concurrency ?? this.bus.partitions),
      eachBatch: (payload) => this.handleBatch(payload),
    });
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.running = false;
      clearTimeout(this.restartTimer);
      await Promise.all(this.commits); // before leaving the group, which would void them
      await this.consumer?.disconnect();
      this.onStopped(this);
    })();
    return this.stopping;
  }

  lag(): Promise<PartitionLag[]> {
    return this.bus.lag(this.group);
  }

  /** Joins once the bus reaches a broker; until then tries again every few seconds (see KafkaBus.consume). */
  startWhenReachable(): void {
    void (async () => {
      try {
        await this.bus.start();
        if (this.running) await this.start();
        // Stopped while it was joining: stop() found no member to disconnect then.
        if (!this.running) await this.consumer?.disconnect().catch(() => undefined);
      } catch (error) {
        this.bus.reportError(`consumer ${this.group} waiting for Kafka`, error);
        if (this.running) this.scheduleRestart();
      }
    })();
  }

  private track(commit: Promise<void>, partition: number): void {
    const settled = commit.then(
      () => undefined,
      (error: unknown) =>
        this.bus.reportError(
          `group ${this.group} partition ${partition}: offset commit failed (its next commit covers it)`,
          error,
        ),
    );
    this.commits.add(settled);
    void settled.finally(() => this.commits.delete(settled));
  }

  private scheduleRestart(): void {
    const previous = this.consumer;
    this.restartTimer = setTimeout(() => {
      void (async () => {
        await previous?.disconnect().catch(() => undefined);
        if (!this.running) return;
        try {
          await this.bus.start();
          await this.start();
        } catch (error) {
          this.bus.reportError(`consumer ${this.group} restart failed, retrying`, error);
          if (this.running) this.scheduleRestart();
        }
      })();
    }, CONSUMER_RESTART_MS);
  }

  private async position(consumer: Consumer, partitions: readonly number[]): Promise<void> {
    const resolve = this.options.resolveStartOffsets;
    if (!resolve || partitions.length === 0) return;
    try {
      const stored = await resolve(
        [...partitions].sort((a, b) => a - b),
        this.bus.topic,
      );
      for (const [partition, offset] of stored) {
        if (!partitions.includes(partition)) continue;
        // Out of range offsets are reset by kafkajs to the log start (fromBeginning) or end.
        consumer.seek({ topic: this.bus.topic, partition, offset: offset.toString() });
      }
    } catch (error) {
      this.bus.reportError(
        `group ${this.group}: resolveStartOffsets failed, starting from committed offsets`,
        error,
      );
    }
  }

  private async handleBatch({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
    commitOffsetsIfNecessary,
  }: EachBatchPayload): Promise<void> {
    await this.positioning;
    const active = () => this.running && isRunning() && !isStale();
    if (!active()) return;
    const maxBatch = this.options.maxBatchSize ?? 500;
    const all = batch.messages.map((m) => toBusMessage(m, batch.partition));
    for (let i = 0; i < all.length; i += maxBatch) {
      const chunk = all.slice(i, i + maxBatch);
      let handled: boolean;
      try {
        handled = await deliverWithRetry(chunk, {
          handler: this.options.handler,
          retryBackoffMs: this.options.retryBackoffMs ?? 200,
          maxRetries: this.options.maxRetries,
          retryForever: this.options.retryForever,
          isRunning: active,
          heartbeat: () => heartbeat(),
          deadLetter: (message, reason, attempts) =>
            this.bus.deadLetter(message, this.group, reason, attempts),
          onError: (error, attempt) =>
            this.bus.reportError(
              `group ${this.group} partition ${batch.partition}, attempt ${attempt}`,
              error,
            ),
        });
      } catch (error) {
        // The dead-letter topic is unreachable: leave the batch unacknowledged, it is fetched again.
        this.bus.reportError(
          `group ${this.group} partition ${batch.partition}: batch left for redelivery`,
          error,
        );
        return;
      }
      // Not handled: the group is rebalancing or stopping; whoever owns the partition next redelivers it.
      if (!handled) return;
      const last = chunk[chunk.length - 1].offset;
      resolveOffset(last);
      // Through the batch payload: unlike consumer.commitOffsets it still commits while the consumer stops.
      const commit = commitOffsetsIfNecessary({
        topics: [
          {
            topic: batch.topic,
            partitions: [{ partition: batch.partition, offset: (BigInt(last) + 1n).toString() }],
          },
        ],
      });
      // The next batch need not wait for the broker's answer: the handler has acknowledged these messages,
      // and commits of one member go out in order on one connection. Stopping waits for it (stop()
      // promises the batch in hand and its commit). A failed commit is covered by the partition's next one;
      // until then a restart redelivers those messages, which at-least-once allows.
      if (!this.running) await commit;
      else this.track(commit, batch.partition);
      await heartbeat();
    }
  }
}

function toBusMessage(message: KafkaMessage, partition: number): BusMessage {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? String(value[0]) : String(value);
  }
  return {
    key: message.key?.toString('utf8') ?? '',
    value: message.value ?? Buffer.alloc(0),
    headers,
    partition,
    offset: message.offset,
  };
}
