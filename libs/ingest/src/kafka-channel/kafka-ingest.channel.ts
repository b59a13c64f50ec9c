import { Consumer, EachBatchPayload, Kafka, KafkaMessage, logCreator, logLevel, Producer } from 'kafkajs';
import type { EventIngestor } from '../event-ingestor';
import type { IngestMessage, ParsedIngestMessage } from './ingest-message';
import { parseIngestMessage } from './ingest-message.parser';
import { PartitionRounds, type RoundOutcome } from './ingest-round';
import type { KafkaIngestSettings } from './kafka-ingest.settings';
import { toRejectionRecord } from './rejection.record';

const FIRST_BACKOFF_MS = 200;
const MAX_BACKOFF_MS = 30_000;
const LOG_REPEAT_MS = 10_000;

/**
 * The Kafka ingest channel: a consumer group on the ingest topic that appends each valid event through
 * EventIngestor (idempotent by eventId, per customer in partition order) and puts each refused message on
 * the rejections topic with its problem. A partition's offset is committed only up to messages that are
 * appended (the publish resolved) or rejected (the rejection acknowledged by all in-sync replicas), so a
 * crash redelivers, never loses. A store that fails is retried with back-off, without committing and
 * without rejecting anything.
 */
export class KafkaIngestChannel {
  private readonly kafka: Kafka;
  private consumer?: Consumer;
  private producer?: Producer;
  private running = false;
  private readonly lastLogged = new Map<string, number>();

  constructor(
    private readonly ingestor: Pick<EventIngestor, 'validateEvent' | 'publish'>,
    private readonly settings: KafkaIngestSettings,
  ) {
    this.kafka = new Kafka({
      clientId: settings.clientId ?? 'crm-ingest',
      brokers: [...settings.brokers],
      logLevel: logLevel.ERROR,
      logCreator: this.log,
      connectionTimeout: 3_000,
      requestTimeout: 30_000,
      retry: { initialRetryTime: 200, maxRetryTime: 5_000, retries: 10 },
    });
  }

  /** Creates the topics if missing, connects, joins the group and starts consuming. */
  async start(): Promise<void> {
    this.running = true;
    await this.createTopics();
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    this.producer = producer;
    await producer.connect();
    const consumer = this.kafka.consumer({
      groupId: this.settings.group,
      sessionTimeout: 30_000,
      rebalanceTimeout: 30_000,
      heartbeatInterval: 3_000,
      maxWaitTimeInMs: 500,
      maxBytesPerPartition: 2 * 1024 * 1024,
      allowAutoTopicCreation: false,
      retry: { initialRetryTime: 200, maxRetryTime: 5_000, retries: 10, restartOnFailure: async () => true },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, (event) =>
      this.report(
        `ingest consumer crashed${event.payload.restart ? ', restarting' : ''}`,
        event.payload.error,
      ),
    );
    await consumer.connect();
    await consumer.subscribe({ topics: [this.settings.topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.settings.partitions,
      eachBatch: (payload) => this.handleBatch(payload),
    });
  }

  /** Leaves the group after the rounds in hand (their offsets committed) and disconnects. */
  async stop(): Promise<void> {
    this.running = false;
    await this.consumer?.disconnect().catch(() => undefined);
    await this.producer?.disconnect().catch(() => undefined);
    this.consumer = undefined;
    this.producer = undefined;
  }

  private async createTopics(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = [this.settings.topic, this.settings.rejectionsTopic]
        .filter((topic) => !existing.has(topic))
        .map((topic) => ({ topic, numPartitions: this.settings.partitions }));
      if (missing.length === 0) return;
      await admin.createTopics({ topics: missing, waitForLeaders: true }).catch((error: Error) => {
        // Another worker created them first.
        if (!String(error.message).includes('already exists')) throw error;
      });
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary } = payload;
    const active = () => this.running && isRunning() && !isStale();
    const messages = batch.messages.map((m) => toIngestMessage(m, batch.topic, batch.partition));
    const parsed: ParsedIngestMessage[] = messages.map((m) =>
      parseIngestMessage(m, (raw) => this.ingestor.validateEvent(raw, { requireEventId: true })),
    );
    let backoff = FIRST_BACKOFF_MS;
    const wait = async (what: string, error: unknown, at: string) => {
      this.report(`ingest ${batch.topic}/${batch.partition} at ${at}: ${what}, retrying`, error);
      await pause(backoff, active, heartbeat);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    };
    for (let start = 0; start < messages.length; start += this.settings.maxBatchEvents) {
      const chunk = messages.slice(start, start + this.settings.maxBatchEvents);
      const rounds = new PartitionRounds(
        parsed.slice(start, start + chunk.length),
        (events, context) => this.ingestor.publish(events, context),
        { correlationId: '' },
      );
      let committed = 0;
      while (!rounds.done) {
        if (!active()) return;
        const at = chunk[committed].offset;
        let round: RoundOutcome;
        try {
          round = await rounds.next();
        } catch (error) {
          // The store failed (unavailable, ...): nothing is committed, the same events are tried again.
          await wait('publish failed', error, at);
          continue;
        }
        if (round.settled === committed) {
          await wait('a customer conflicted with another writer', undefined, at);
          continue;
        }
        const rejections = [...round.rejections]
          .sort(([a], [b]) => a - b)
          .map(([i, reason]) => toRejectionRecord(chunk[i], reason));
        while (rejections.length > 0) {
          try {
            await this.producer!.send({
              topic: this.settings.rejectionsTopic,
              acks: -1,
              messages: rejections,
            });
            break;
          } catch (error) {
            await wait('rejections not acknowledged', error, at);
            // The partition moved to another member: it redelivers from the last commit.
            if (!active()) return;
          }
        }
        const last = chunk[round.settled - 1].offset;
        resolveOffset(last);
        // Through the batch payload: it still commits while the consumer is stopping.
        await commitOffsetsIfNecessary({
          topics: [
            {
              topic: batch.topic,
              partitions: [{ partition: batch.partition, offset: (BigInt(last) + 1n).toString() }],
            },
          ],
        });
        await heartbeat();
        committed = round.settled;
        backoff = FIRST_BACKOFF_MS;
      }
    }
  }

  private report(message: string, error?: unknown): void {
    const now = Date.now();
    if (now - (this.lastLogged.get(message) ?? 0) < LOG_REPEAT_MS) return;
    this.lastLogged.set(message, now);
    if (this.lastLogged.size > 200) this.lastLogged.clear();
    this.settings.onError?.(message, error);
  }

  private readonly log: logCreator = () => (entry) => {
    if (entry.level <= logLevel.ERROR) this.report(`kafkajs ${entry.namespace}: ${entry.log.message}`);
  };
}

function toIngestMessage(message: KafkaMessage, topic: string, partition: number): IngestMessage {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (value !== undefined) headers[name] = String(Array.isArray(value) ? value[0] : value);
  }
  return {
    topic,
    partition,
    offset: message.offset,
    ...(message.key ? { key: message.key.toString('utf8') } : {}),
    ...(message.value ? { value: message.value } : {}),
    headers,
    timestamp: message.timestamp,
  };
}

/** Waits `ms` while the partition is still ours, heartbeating so the group keeps it. */
async function pause(ms: number, active: () => boolean, heartbeat: () => Promise<void>): Promise<void> {
  const until = Date.now() + ms;
  while (active() && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(250, until - Date.now())));
    await heartbeat().catch(() => undefined);
  }
}
