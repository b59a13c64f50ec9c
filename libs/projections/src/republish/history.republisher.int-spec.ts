import { createEventStore, type EventStore, type RecordedEvent } from '@crm/event-store';
import { decodeCustomerEvent, KafkaBus, type BusMessage } from '@crm/messaging';
import { appendInOrder } from '@crm/read-model/testing';
import { generateCustomerHistory } from '@crm/read-model/testing';
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistoryRepublisher, RepublishInterruptedError } from './history.republisher';

const brokers = process.env.KAFKA_BROKERS?.split(',');

/** Everything a brand-new consumer group reads from the topic, until `count` messages arrived. */
async function consumeAsNewGroup(topic: string, count: number): Promise<BusMessage[]> {
  const bus = new KafkaBus({ brokers: brokers as string[], topic });
  const received: BusMessage[] = [];
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  const consumer = await bus.consume({
    group: `new-consumer-${randomUUID()}`,
    fromBeginning: true,
    handler: async (messages) => {
      received.push(...messages);
      if (received.length >= count) done();
    },
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      all,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`got ${received.length}/${count}`)), 60_000);
      }),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 500)); // and nothing more
    return received;
  } finally {
    clearTimeout(timer);
    await consumer.stop();
    await bus.close();
  }
}

const topics: string[] = [];
/** A topic of its own per test (and its dead-letter topic), deleted at the end. */
const newTopic = () => {
  const topic = `crm.republish.test.${randomUUID()}`;
  topics.push(topic, `${topic}.dlq`);
  return topic;
};

if (!brokers) {
  console.log('History republish Kafka suite skipped: KAFKA_BROKERS is not set');
  describe.skip('history republish to Kafka', () => {
    it('needs KAFKA_BROKERS', () => undefined);
  });
} else {
  describe('history republish to Kafka', () => {
    let dir: string;
    let store: EventStore;
    let firstPhase: RecordedEvent[];
    let secondPhaseStartedAt: string;
    const history = generateCustomerHistory({ customers: 30, seed: 4 });

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'crm-republish-'));
      store = createEventStore({ dataDir: dir });
      const half = Math.floor(history.events.length / 2);
      await appendInOrder(store, history.events.slice(0, half));
      await new Promise((resolve) => setTimeout(resolve, 50));
      secondPhaseStartedAt = new Date().toISOString();
      await new Promise((resolve) => setTimeout(resolve, 50));
      await appendInOrder(store, history.events.slice(half));
      firstPhase = await store.readAll({ maxCount: half });
    }, 60_000);
    afterAll(async () => {
      const admin = new Kafka({
        clientId: 'republish-test',
        brokers: brokers as string[],
        logLevel: logLevel.NOTHING,
      }).admin();
      await admin.connect();
      await admin.deleteTopics({ topics }).catch(() => undefined);
      await admin.disconnect();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }, 60_000);

    const publishTo = async (topic: string, run: (r: HistoryRepublisher) => Promise<unknown>) => {
      const bus = new KafkaBus({ brokers: brokers as string[], topic, partitions: 3 });
      try {
        return await run(new HistoryRepublisher(store, bus));
      } finally {
        await bus.close();
      }
    };

    it('publishes from a position to its own topic: a new consumer group gets exactly that history, in order', async () => {
      const topic = newTopic();
      const from = 101n;
      const result = await publishTo(topic, (r) => r.run({ fromPosition: from, batchSize: 64 }));
      const expected = (await store.readAll({ maxCount: 100_000 })).filter((e) => e.globalPosition >= from);
      expect(result).toMatchObject({ fromPosition: from, events: expected.length, done: true, fraction: 1 });

      const messages = await consumeAsNewGroup(topic, expected.length);
      expect(messages).toHaveLength(expected.length);
      const decoded = messages.map(decodeCustomerEvent);
      // The same events, in the shapes the store reads today (upcast), keyed by customer.
      const byPosition = new Map(decoded.map((e) => [e.globalPosition, e]));
      expect([...byPosition.keys()].sort((a, b) => (a < b ? -1 : 1))).toEqual(
        expected.map((e) => e.globalPosition),
      );
      for (const e of expected) expect(byPosition.get(e.globalPosition)).toEqual(e);
      for (const m of messages) {
        expect(m.headers['x-republished']).toBe('true');
        expect(`customer-${m.key}`).toBe(decodeCustomerEvent(m).streamId);
      }
      // Per customer, on its partition, in revision order.
      const revisions = new Map<string, number[]>();
      for (const m of [...messages].sort(
        (a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)),
      )) {
        revisions.set(m.key, [...(revisions.get(m.key) ?? []), decodeCustomerEvent(m).streamRevision]);
      }
      for (const list of revisions.values()) expect(list).toEqual([...list].sort((a, b) => a - b));
    }, 120_000);

    it('publishes from a date: the first event recorded at or after it, and everything after', async () => {
      const topic = newTopic();
      const total = history.events.length;
      const result = await publishTo(topic, (r) => r.run({ fromDate: secondPhaseStartedAt }));
      expect(result).toMatchObject({
        fromPosition: BigInt(firstPhase.length + 1),
        events: total - firstPhase.length,
      });
      const messages = await consumeAsNewGroup(topic, total - firstPhase.length);
      expect(Math.min(...messages.map((m) => Number(decodeCustomerEvent(m).globalPosition)))).toBe(
        firstPhase.length + 1,
      );
      // A date after everything publishes nothing.
      const none = await publishTo(newTopic(), (r) =>
        r.run({ fromDate: new Date(Date.now() + 60_000).toISOString() }),
      );
      expect(none).toMatchObject({ events: 0, done: true });
    }, 120_000);

    it('holds the rate it is given, and stops on abort with the position to go on from', async () => {
      const topic = newTopic();
      const started = Date.now();
      const result = (await publishTo(topic, (r) =>
        r.run({ fromPosition: 1n, ratePerSecond: 200, batchSize: 1_000 }),
      )) as { events: number };
      // A limit, not a speed target: 200 events a second cannot take less than events / 200 seconds.
      expect(result.events).toBe(history.events.length);
      expect(Date.now() - started).toBeGreaterThanOrEqual(((result.events - 40) / 200) * 1000);

      const controller = new AbortController();
      let published = 0;
      const stopped = publishTo(newTopic(), (r) =>
        r.run({
          fromPosition: 1n,
          ratePerSecond: 100,
          signal: controller.signal,
          onProgress: (p) => {
            published = p.events;
            if (p.events >= 40) controller.abort();
          },
        }),
      );
      await expect(stopped).rejects.toBeInstanceOf(RepublishInterruptedError);
      await expect(stopped).rejects.toThrow(`--from-position ${published + 1}`);
    }, 120_000);
  });
}
