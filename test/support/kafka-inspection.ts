import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';

const kafkaFor = (brokers: string[]) =>
  new Kafka({ clientId: 'e2e-inspector', brokers, logLevel: logLevel.NOTHING });

/** Total lag of a consumer group on a topic (end offsets minus committed), -1 when it cannot be read yet. */
export async function groupLag(brokers: string[], topic: string, group: string): Promise<number> {
  const admin = kafkaFor(brokers).admin();
  try {
    await admin.connect();
    const [ends, committed] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      admin.fetchOffsets({ groupId: group, topics: [topic] }),
    ]);
    const done = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    return ends.reduce((sum, e) => sum + Number(e.high) - Math.max(0, done.get(e.partition) ?? 0), 0);
  } catch {
    return -1;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export async function waitForGroup(
  brokers: string[],
  topic: string,
  group: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lag = -1;
  while (Date.now() < deadline) {
    lag = await groupLag(brokers, topic, group);
    if (lag === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`group ${group} still lags ${lag} after ${timeoutMs} ms`);
}

export async function resetGroupToEarliest(brokers: string[], topic: string, group: string): Promise<void> {
  const admin = kafkaFor(brokers).admin();
  await admin.connect();
  try {
    await admin.resetOffsets({ groupId: group, topic, earliest: true });
  } finally {
    await admin.disconnect();
  }
}

/** Every record of the topic with the relay that published it (header x-relay-id). */
export async function readRelayHeaders(
  brokers: string[],
  topic: string,
  timeoutMs = 30_000,
): Promise<{ globalPosition: bigint; relayId: string }[]> {
  const kafka = kafkaFor(brokers);
  const admin = kafka.admin();
  await admin.connect();
  const total = (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: `e2e-inspector-${randomUUID()}`, maxWaitTimeInMs: 250 });
  const records: { globalPosition: bigint; relayId: string }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const value = JSON.parse(message.value?.toString() ?? '{}') as { globalPosition?: string };
      records.push({
        globalPosition: BigInt(value.globalPosition ?? '0'),
        relayId: String(message.headers?.['x-relay-id'] ?? ''),
      });
    },
  });
  const deadline = Date.now() + timeoutMs;
  while (records.length < total && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 100));
  await consumer.disconnect();
  if (records.length < total) throw new Error(`read ${records.length} of ${total} records`);
  return records;
}
