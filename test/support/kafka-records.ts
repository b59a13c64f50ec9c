import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';

export interface RawRecord {
  readonly partition: number;
  readonly offset: string;
  readonly key: string;
  readonly value: Buffer;
  readonly headers: Record<string, string>;
}

export interface RecordToProduce {
  readonly key: string;
  readonly value: Buffer | string;
  readonly headers?: Record<string, string>;
  /** Explicit partition; default: the producer's partitioner (by key, like the relay). */
  readonly partition?: number;
}

const kafkaFor = (brokers: readonly string[]) =>
  new Kafka({ clientId: 'e2e-records', brokers: [...brokers], logLevel: logLevel.NOTHING });

/** Every record of a topic, in partition and offset order. */
export async function readTopic(
  brokers: readonly string[],
  topic: string,
  timeoutMs = 60_000,
): Promise<RawRecord[]> {
  const kafka = kafkaFor(brokers);
  const admin = kafka.admin();
  await admin.connect();
  const total = (await admin.fetchTopicOffsets(topic)).reduce(
    (sum, p) => sum + Number(p.high) - Number(p.low),
    0,
  );
  await admin.disconnect();
  if (total === 0) return [];
  const consumer = kafka.consumer({ groupId: `e2e-reader-${randomUUID()}`, maxWaitTimeInMs: 250 });
  const records: RawRecord[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(message.headers ?? {}))
        if (value !== undefined) headers[name] = String(Array.isArray(value) ? value[0] : value);
      records.push({
        partition,
        offset: message.offset,
        key: message.key?.toString('utf8') ?? '',
        value: message.value ?? Buffer.alloc(0),
        headers,
      });
    },
  });
  const deadline = Date.now() + timeoutMs;
  while (records.length < total && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 100));
  await consumer.disconnect();
  if (records.length < total) throw new Error(`read ${records.length} of ${total} records of ${topic}`);
  return records.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

/** Produces records as a foreign (or buggy) producer would, acks=all; returns nothing until acknowledged. */
export async function produceRecords(
  brokers: readonly string[],
  topic: string,
  records: readonly RecordToProduce[],
): Promise<void> {
  const producer = kafkaFor(brokers).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let i = 0; i < records.length; i += 500) {
      await producer.send({
        topic,
        acks: -1,
        messages: records.slice(i, i + 500).map((r) => ({ ...r, headers: { ...r.headers } })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

/** The group's committed offsets (next offset to read) per partition; partitions without a commit are absent. */
export async function committedOffsets(
  brokers: readonly string[],
  topic: string,
  group: string,
): Promise<Map<number, string>> {
  const admin = kafkaFor(brokers).admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return new Map(
      (committed?.partitions ?? []).filter((p) => Number(p.offset) >= 0).map((p) => [p.partition, p.offset]),
    );
  } finally {
    await admin.disconnect();
  }
}

/** Deletes topics a suite created (best effort: the broker may be gone already). */
export async function deleteTopics(brokers: readonly string[], topics: readonly string[]): Promise<void> {
  const admin = kafkaFor(brokers).admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const present = topics.filter((t) => existing.has(t));
    if (present.length > 0) await admin.deleteTopics({ topics: present, timeout: 10_000 });
  } catch {
    // Cleanup only.
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
