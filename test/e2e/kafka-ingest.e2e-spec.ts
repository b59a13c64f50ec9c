import { EventStoreUnavailableError, SqliteEventStore } from '@crm/event-store';
import { EventIngestor, KafkaIngestChannel } from '@crm/ingest';
import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ingestDataset } from '../support/ingest-dataset';
import { groupLag, waitForGroup } from '../support/kafka-inspection';
import { createTopic, expectIngested, produceCases, readRejections } from '../support/kafka-ingest-topics';
import { WorkerProcess } from '../support/worker-process';

const brokers = process.env.KAFKA_BROKERS?.split(',');
const describeWithKafka = brokers ? describe : describe.skip;
if (!brokers) {
  console.warn('Kafka ingest channel e2e skipped: KAFKA_BROKERS is not set (bash infra/local/servers.sh up)');
}

const PARTITIONS = 6;
const ROOT = join(__dirname, '../..');

/** The first ```js block of README's "Publish through Kafka" section, as a reader would copy it. */
function readmeProducerExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Publish through Kafka'));
  const code = /```js\n([\s\S]*?)```/.exec(section);
  if (!code) throw new Error('README: no js block under "Publish through Kafka"');
  return code[1];
}
const dataset = (seed: number) =>
  ingestDataset({
    customers: 1_000,
    messagesPerCustomer: 10,
    invalidShare: 0.05,
    duplicates: 300,
    seed,
    prefix: `k${seed}`,
  });

/**
 * The Kafka ingest channel on the real broker: 10,000 messages for 1,000 customers, 5% invalid in every
 * way the channel refuses, and producer retries. Fresh topics and group per test.
 */
describeWithKafka('Kafka ingest channel on the broker', () => {
  let dir: string;
  const topics = () => {
    const id = randomUUID().slice(0, 8);
    return {
      topic: `e2e-ingest-${id}`,
      rejectionsTopic: `e2e-ingest-${id}.rejected`,
      group: `e2e-ingest-${id}`,
    };
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kafka-ingest-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('appends every valid event exactly once in per-customer order and rejects every invalid one with its code', async () => {
    const { topic, rejectionsTopic, group } = topics();
    const data = dataset(11);
    expect(data.cases.length).toBe(10_000 + data.duplicates);
    const store = new SqliteEventStore(join(dir, 'events.sqlite'));
    const channel = new KafkaIngestChannel(
      new EventIngestor(store, { maxBatchEvents: 1_000, stateCacheSize: 50_000 }),
      {
        brokers: brokers!,
        topic,
        rejectionsTopic,
        group,
        partitions: PARTITIONS,
        maxBatchEvents: 1_000,
      },
    );
    try {
      await channel.start();
      await produceCases(brokers!, topic, data.cases);
      await waitForGroup(brokers!, topic, group, 120_000);
    } finally {
      await channel.stop();
    }
    await expectIngested(store, await readRejections(brokers!, rejectionsTopic), data, topic);
    await store.close();
  }, 180_000);

  it('ends the same after the worker is SIGKILLed mid-stream and restarted', async () => {
    WorkerProcess.assertBuilt();
    const { topic, rejectionsTopic, group } = topics();
    const data = dataset(12);
    const env = {
      DATA_DIR: dir,
      DATABASE_URL: '',
      EVENTSTORE_URL: '',
      CLICKHOUSE_URL: '',
      KAFKA_BROKERS: brokers!.join(','),
      KAFKA_PARTITIONS: String(PARTITIONS),
      KAFKA_TOPIC: `${topic}.lifecycle`,
      KAFKA_INGEST_TOPIC: topic,
      KAFKA_INGEST_REJECTIONS_TOPIC: rejectionsTopic,
      KAFKA_INGEST_GROUP: group,
      // Small publish calls: many commits, so the kill lands between two of them.
      KAFKA_INGEST_BATCH_EVENTS: '50',
      LOG_FORMAT: 'json',
    };
    await createTopic(brokers!, topic, PARTITIONS);
    await produceCases(brokers!, topic, data.cases);
    const logOf = (name: string) => join(dir, `${name}.log`);
    const first = new WorkerProcess('ingest-1', env, logOf('ingest-1'));
    const second = new WorkerProcess('ingest-2', env, logOf('ingest-2'));
    try {
      first.start();
      // Killed as soon as some offsets are committed and some are not.
      let lagAtKill = -1;
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline) {
        const lag = await groupLag(brokers!, topic, group);
        if (lag > 0 && lag < data.cases.length) {
          await first.kill('SIGKILL');
          lagAtKill = lag;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(lagAtKill).toBeGreaterThan(0);
      second.start();
      await waitForGroup(brokers!, topic, group, 150_000);
      await second.kill('SIGTERM');
    } catch (error) {
      const logs = ['ingest-1', 'ingest-2'].map(
        (n) => `--- ${n}\n${readFileSync(logOf(n), 'utf8').slice(-3000)}`,
      );
      throw new Error(`${(error as Error).message}\n${logs.join('\n')}`);
    } finally {
      await first.kill('SIGKILL');
      await second.kill('SIGKILL');
    }
    const store = new SqliteEventStore(join(dir, 'events.sqlite'));
    try {
      await expectIngested(store, await readRejections(brokers!, rejectionsTopic), data, topic);
    } finally {
      await store.close();
    }
  }, 300_000);
  it('retries while the store is unavailable, committing and rejecting nothing, then appends everything', async () => {
    const { topic, rejectionsTopic, group } = topics();
    const data = ingestDataset({
      customers: 100,
      messagesPerCustomer: 10,
      invalidShare: 0,
      duplicates: 0,
      seed: 13,
      prefix: 'k13',
    });
    const store = new SqliteEventStore(join(dir, 'events.sqlite'));
    const ingestor = new EventIngestor(store, { maxBatchEvents: 1_000, stateCacheSize: 1_000 });
    let down = true;
    let refused = 0;
    const channel = new KafkaIngestChannel(
      {
        validateEvent: (raw, options) => ingestor.validateEvent(raw, options),
        publish: async (events, context) => {
          if (down) {
            refused += 1;
            throw new EventStoreUnavailableError('the store is down (injected)');
          }
          return ingestor.publish(events, context);
        },
      },
      { brokers: brokers!, topic, rejectionsTopic, group, partitions: PARTITIONS, maxBatchEvents: 1_000 },
    );
    try {
      await createTopic(brokers!, topic, PARTITIONS);
      await produceCases(brokers!, topic, data.cases);
      await channel.start();
      while (refused < 2 * PARTITIONS) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await groupLag(brokers!, topic, group)).toBe(data.cases.length);
      expect(await store.readAll()).toEqual([]);
      down = false;
      await waitForGroup(brokers!, topic, group, 120_000);
    } finally {
      await channel.stop();
    }
    await expectIngested(store, await readRejections(brokers!, rejectionsTopic), data, topic);
    await store.close();
  }, 180_000);

  it("runs README's producer example verbatim: both events appended, metadata from the event and the headers", async () => {
    const { topic, rejectionsTopic, group } = topics();
    const store = new SqliteEventStore(join(dir, 'events.sqlite'));
    const channel = new KafkaIngestChannel(
      new EventIngestor(store, { maxBatchEvents: 1_000, stateCacheSize: 100 }),
      {
        brokers: brokers!,
        topic,
        rejectionsTopic,
        group,
        partitions: PARTITIONS,
        maxBatchEvents: 1_000,
      },
    );
    const script = join(dir, 'publish.js');
    writeFileSync(script, readmeProducerExample());
    try {
      await channel.start();
      await promisify(execFile)(process.execPath, [script], {
        env: {
          ...process.env,
          NODE_PATH: join(ROOT, 'node_modules'),
          KAFKA_BROKERS: brokers!.join(','),
          KAFKA_INGEST_TOPIC: topic,
        },
        timeout: 60_000,
      });
      await waitForGroup(brokers!, topic, group, 60_000);
    } finally {
      await channel.stop();
    }
    const stream = await store.readStream('customer-c-1001');
    expect(stream.map((e) => [e.type, e.metadata.source, e.metadata.correlationId])).toEqual([
      ['CustomerAcquired', 'signup-service', 'checkout-7f3a'],
      ['CustomerPurchased', 'checkout-service', 'checkout-7f3a'],
    ]);
    expect(await readRejections(brokers!, rejectionsTopic)).toEqual([]);
    await store.close();
  }, 120_000);
});
