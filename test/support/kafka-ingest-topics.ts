import { customerStreamId } from '@crm/domain';
import type { EventStore } from '@crm/event-store';
import type { RejectionRecord } from '@crm/ingest';
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import type { IngestDataset } from './ingest-dataset';

const kafkaFor = (brokers: string[]) =>
  new Kafka({ clientId: 'e2e-ingest', brokers, logLevel: logLevel.NOTHING });

/** Produces the cases in order, keyed as given, as a service would (idempotent producer, acks=all). */
export async function produceCases(
  brokers: string[],
  topic: string,
  cases: readonly { key: string; value: string }[],
): Promise<void> {
  const producer = kafkaFor(brokers).producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < cases.length; i += 500) {
      await producer.send({ topic, acks: -1, messages: cases.slice(i, i + 500) });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Creates a topic (the channel would too; creating it first lets the producer start before the consumer). */
export async function createTopic(brokers: string[], topic: string, partitions: number): Promise<void> {
  const admin = kafkaFor(brokers).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** Every record of the rejections topic, read to its end. */
export async function readRejections(brokers: string[], topic: string): Promise<RejectionRecord[]> {
  const kafka = kafkaFor(brokers);
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(ends.filter((e) => e.high !== e.low).map((e) => [e.partition, BigInt(e.high)]));
  const records: RejectionRecord[] = [];
  if (remaining.size === 0) return records;
  const consumer = kafka.consumer({ groupId: `e2e-rejections-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`rejections of ${topic} not read in 60 s`)), 60_000);
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        records.push(JSON.parse(message.value!.toString('utf8')) as RejectionRecord);
        if (BigInt(message.offset) + 1n >= (remaining.get(partition) ?? 0n)) remaining.delete(partition);
        if (remaining.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return records;
}

/**
 * Checks the end state against the dataset: every customer's stream holds exactly its valid events in
 * order and the store nothing else; every invalid message is on the rejections topic (a redelivery may
 * repeat one: counted once by its source offset) with its code, and no valid one is.
 */
export async function expectIngested(
  store: EventStore,
  rejections: readonly RejectionRecord[],
  dataset: IngestDataset,
  topic: string,
): Promise<void> {
  let expectedTotal = 0;
  for (const [customerId, eventIds] of dataset.streams) {
    const stream = await store.readStream(customerStreamId(customerId));
    expect({ customerId, events: stream.map((e) => e.eventId) }).toEqual({ customerId, events: eventIds });
    expectedTotal += eventIds.length;
  }
  let total = 0;
  for (let after: bigint | undefined; ;) {
    const page = await store.readAll({ ...(after === undefined ? {} : { after }), maxCount: 5_000 });
    total += page.length;
    if (page.length === 0) break;
    after = page[page.length - 1].globalPosition;
  }
  expect(total).toBe(expectedTotal);

  const unique = new Map(rejections.map((r) => [`${r.source.partition}:${r.source.offset}`, r]));
  const expected = new Map<string, string[]>();
  for (const c of dataset.cases) {
    if (c.rejectedWith) expected.set(c.value, [...(expected.get(c.value) ?? []), c.rejectedWith]);
  }
  const actual = new Map<string, string[]>();
  for (const r of unique.values()) {
    expect(r.source.topic).toBe(topic);
    expect(r.errors.length).toBeGreaterThan(0);
    actual.set(r.value!, [...(actual.get(r.value!) ?? []), r.code]);
  }
  expect(unique.size).toBe(dataset.invalid);
  expect(new Map([...actual].map(([v, codes]) => [v, codes.sort()]))).toEqual(
    new Map([...expected].map(([v, codes]) => [v, codes.sort()])),
  );
}
