import { Kafka, logLevel } from 'kafkajs';
import { exec } from 'node:child_process';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { BusMessage, deadLetterTopic, DLQ_HEADERS } from '../bus.port';
import { ContractDeadLetter, describeBusContract } from '../testing/bus.contract';
import { KafkaBus } from './kafka.bus';

const brokers = process.env.KAFKA_BROKERS?.split(',');
/** Opt-in: a command that restarts the broker, e.g. `bash infra/local/kafka.sh restart`. */
const restartCommand = process.env.KAFKA_RESTART_CMD;

/** Reads a whole topic with a throwaway group, as an operator would. */
async function readTopic(brokerList: string[], topic: string, timeoutMs = 15_000) {
  const kafka = new Kafka({ clientId: 'topic-reader', brokers: brokerList, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const end = (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: `topic-reader-${randomUUID()}`, maxWaitTimeInMs: 250 });
  const read: { key: string; value: string; headers: Record<string, string> }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
      read.push({ key: message.key?.toString() ?? '', value: message.value?.toString() ?? '', headers });
    },
  });
  const deadline = Date.now() + timeoutMs;
  while (read.length < end && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  await consumer.disconnect();
  return read;
}

if (!brokers) {
  console.warn('Kafka bus contract suite skipped: KAFKA_BROKERS is not set (bash infra/local/servers.sh up)');
  describe.skip('bus contract: kafka (KAFKA_BROKERS is not set)', () =>
    it('needs a broker', () => undefined));
} else {
  describeBusContract(
    'kafka',
    async () => {
      // A fresh topic per test: no state leaks between cases.
      const topic = `contract-${randomUUID().slice(0, 8)}`;
      const bus = new KafkaBus({ brokers, topic, partitions: 4, clientId: 'contract' });
      await bus.start();
      return {
        bus,
        deadLetters: async (): Promise<ContractDeadLetter[]> =>
          (await readTopic(brokers, deadLetterTopic(topic))).map((m) => ({
            key: m.key,
            value: m.value,
            reason: m.headers[DLQ_HEADERS.reason],
            group: m.headers[DLQ_HEADERS.group],
            originalPartition: Number(m.headers[DLQ_HEADERS.originalPartition]),
            originalOffset: m.headers[DLQ_HEADERS.originalOffset],
          })),
        dispose: () => bus.close(),
      };
    },
    90_000,
  );

  describe('KafkaBus specifics', () => {
    it('creates the topic with the configured partitions and its dead-letter topic', async () => {
      const topic = `spec-${randomUUID().slice(0, 8)}`;
      const bus = new KafkaBus({ brokers, topic, partitions: 5 });
      try {
        await bus.start();
        await bus.start(); // idempotent
        const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
        await admin.connect();
        const { topics } = await admin.fetchTopicMetadata({ topics: [topic, deadLetterTopic(topic)] });
        await admin.disconnect();
        expect(topics.find((t) => t.name === topic)?.partitions).toHaveLength(5);
        expect(topics.find((t) => t.name === deadLetterTopic(topic))?.partitions).toHaveLength(1);
      } finally {
        await bus.close();
      }
    }, 30_000);

    it('rejects publish when no broker accepts the records, within the retry budget', async () => {
      const bus = new KafkaBus({
        brokers: ['127.0.0.1:1'],
        topic: 'nowhere',
        retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 },
      });
      const started = Date.now();
      await expect(bus.publish([{ key: 'k', value: 'v' }])).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(15_000);
      await bus.close();
    }, 30_000);

    it('adds the dead-letter headers and keeps the original ones', async () => {
      const topic = `spec-${randomUUID().slice(0, 8)}`;
      const bus = new KafkaBus({ brokers, topic, partitions: 2 });
      try {
        const consumer = await bus.consume({
          group: 'g',
          handler: async () => {
            throw new Error('always fails');
          },
          maxRetries: 1,
          retryBackoffMs: 10,
        });
        await bus.publish([{ key: 'k', value: 'v', headers: { 'x-event-type': 'CustomerChurned' } }]);
        let letters: Awaited<ReturnType<typeof readTopic>> = [];
        const deadline = Date.now() + 30_000;
        while (letters.length === 0 && Date.now() < deadline)
          letters = await readTopic(brokers, deadLetterTopic(topic), 2_000);
        expect(letters).toHaveLength(1);
        expect(letters[0].headers).toMatchObject({
          'x-event-type': 'CustomerChurned',
          [DLQ_HEADERS.group]: 'g',
          [DLQ_HEADERS.attempts]: '2',
          [DLQ_HEADERS.originalTopic]: topic,
          [DLQ_HEADERS.originalOffset]: '0',
        });
        expect(letters[0].headers[DLQ_HEADERS.reason]).toContain('always fails');
        const lag = await consumer.lag();
        expect(lag.reduce((sum, p) => sum + p.lag, 0)).toBe(0);
        await consumer.stop();
      } finally {
        await bus.close();
      }
    }, 60_000);

    (restartCommand ? it : it.skip)(
      'survives a broker restart mid-stream: every record arrives, in order per key (KAFKA_RESTART_CMD)',
      async () => {
        const topic = `restart-${randomUUID().slice(0, 8)}`;
        const bus = new KafkaBus({ brokers, topic, partitions: 4 });
        const perKey = new Map<string, number[]>();
        const consumer = await bus.consume({
          group: 'g',
          handler: async (messages: readonly BusMessage[]) => {
            for (const m of messages)
              perKey.set(m.key, [...(perKey.get(m.key) ?? []), Number(m.value.toString())]);
          },
        });
        const keys = Array.from({ length: 20 }, (_, i) => `c-${i}`);
        const rounds = 60;
        let restarted = false;
        let restarting: Promise<unknown> | undefined;
        try {
          for (let n = 0; n < rounds; n++) {
            if (n === rounds / 3) {
              // In the background: publishing and consuming go on while the broker goes down and comes back.
              restarting = promisify(exec)(restartCommand!, { timeout: 120_000 }).then(
                () => (restarted = true),
              );
            }
            if (restarting) await new Promise((resolve) => setTimeout(resolve, 100));
            // Like the relay: a rejected publish is retried (possibly duplicating records, never reordering).
            for (let attempt = 1; ; attempt++) {
              try {
                await bus.publish(keys.map((k) => ({ key: k, value: String(n) })));
                break;
              } catch (error) {
                if (attempt >= 20) throw error;
                await new Promise((resolve) => setTimeout(resolve, 1_000));
              }
            }
          }
          await restarting;
          const deadline = Date.now() + 90_000;
          const complete = () => keys.every((k) => new Set(perKey.get(k)).size === rounds);
          while (!complete() && Date.now() < deadline)
            await new Promise((resolve) => setTimeout(resolve, 200));
          expect(restarted).toBe(true);
          for (const k of keys) {
            // At-least-once: duplicates may occur, but the first occurrences are exactly 0..rounds-1 in order.
            const firsts = [...new Set(perKey.get(k))];
            expect(firsts).toEqual(Array.from({ length: rounds }, (_, i) => i));
            // and never a step back to an older record other than a redelivered run
            const seen = perKey.get(k)!;
            for (let i = 1; i < seen.length; i++) {
              if (seen[i] < seen[i - 1]) expect(seen.slice(0, i)).toContain(seen[i]);
            }
          }
        } finally {
          await consumer.stop();
          await bus.close();
        }
      },
      300_000,
    );
  });
}
