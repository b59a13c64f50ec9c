import { loadConfig } from '@crm/config';
import { customerStreamId } from '@crm/domain';
import { SqliteEventStore, type RecordedEvent } from '@crm/event-store';
import { type Bus, encodeCustomerEvent, KafkaBus } from '@crm/messaging';
import { ReadModelConsumer } from '@crm/projections';
import {
  createReadModelDataSource,
  CustomerQueries,
  CustomerReadModelProjector,
  CUSTOMER_READ_MODEL_PROJECTION,
} from '@crm/read-model';
import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createTestDatabase } from '../../../../test/support/postgres-database';
import { PipelineLagQuery } from './pipeline-lag.query';

const brokers = process.env.KAFKA_BROKERS?.split(',');
const databaseUrl = process.env.DATABASE_URL;
const PARTITIONS = 3;

/** The Kafka bus under a group of this test's own, with one partition's batches held while `hold()` lasts. */
function holdingBus(inner: KafkaBus, group: string, held: number) {
  let gate: Promise<void> | undefined;
  let open = () => undefined as void;
  const bus: Bus = Object.assign(Object.create(inner) as KafkaBus, {
    consume: (options: Parameters<Bus['consume']>[0]) =>
      inner.consume({
        ...options,
        group,
        handler: async (messages) => {
          if (messages[0].partition === held) await gate;
          return options.handler(messages);
        },
      }),
  });
  return {
    bus,
    hold: () => (gate = new Promise<void>((resolve) => (open = resolve))),
    release: () => {
      gate = undefined;
      open();
    },
  };
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

if (!brokers || !databaseUrl) {
  console.warn('Pipeline lag on Kafka skipped: KAFKA_BROKERS and DATABASE_URL are needed');
  describe.skip('pipeline lag on Kafka (KAFKA_BROKERS and DATABASE_URL are not set)', () =>
    it('needs a broker and PostgreSQL', () => undefined));
} else {
  /**
   * Issue 12: on Kafka the read model's stored checkpoint is the furthest partition's. With one partition
   * held back, the pipeline view must not claim the read model caught up; once released, it does.
   */
  describe('pipeline lag: the read model on several Kafka partitions, one held back', () => {
    const topic = `pipeline-lag-int-${randomUUID().slice(0, 8)}`;
    const store = new SqliteEventStore(':memory:');
    const kafka = new KafkaBus({ brokers, topic, partitions: PARTITIONS, clientId: 'pipeline-lag-int' });
    let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
    let db: DataSource;
    let consumer: ReadModelConsumer | undefined;
    let query: PipelineLagQuery;

    beforeAll(async () => {
      Logger.overrideLogger(['error']);
      database = await createTestDatabase(databaseUrl);
      db = createReadModelDataSource({ databaseUrl: database.url, dataDir: '', migrationsRun: true });
      await db.initialize();
      await kafka.start();
      const config = loadConfig({ KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC: topic });
      query = new PipelineLagQuery(store, db, new CustomerQueries(db), config);
    }, 60_000);

    afterAll(async () => {
      await consumer?.onApplicationShutdown();
      await query?.onApplicationShutdown();
      await kafka.close();
      if (db?.isInitialized) await db.destroy();
      await database?.drop();
      await store.close();
    }, 60_000);

    /** Appends one event for each of `n` customers and publishes them as the relay does (global order, keyed). */
    const appendAndPublish = async (from: number, n: number): Promise<RecordedEvent[]> => {
      const recorded: RecordedEvent[] = [];
      for (let i = from; i < from + n; i++) {
        const customerId = `pl-${i}`;
        const result = await store.appendToStream(customerStreamId(customerId), [
          {
            eventId: randomUUID(),
            type: 'CustomerAcquired',
            occurredAt: '2026-11-20T10:00:00Z',
            data: { channel: 'organic' },
            metadata: { schemaVersion: 1 },
          },
        ]);
        recorded.push(...(await store.readAll({ after: result.position - 1n, maxCount: 1 })));
      }
      await kafka.publish(recorded.map((event) => encodeCustomerEvent(event)));
      return recorded;
    };

    it('reports the position below which every partition is handled, not the furthest one', async () => {
      const recorded = await appendAndPublish(0, 24);
      const head = await store.headPosition();
      const group = `pipeline-lag-int-${randomUUID().slice(0, 8)}`;
      const ends = await kafka.lag(group);
      expect(ends.filter((p) => p.lag > 0)).toHaveLength(PARTITIONS); // every partition has events

      const held = 0;
      const { bus, hold, release } = holdingBus(kafka, group, held);
      void hold();
      consumer = new ReadModelConsumer(bus, new CustomerReadModelProjector(db));
      await consumer.onModuleInit();
      const heldBack = ends[held].lag;

      // Every other partition handled (and committed); partition 0 not at all.
      await waitFor(async () => (await kafka.lag(group)).every((p) => p.partition === held || p.lag === 0));
      const furthest = await new CustomerQueries(db).getProjectionPosition(CUSTOMER_READ_MODEL_PROJECTION);
      expect(furthest).toBeDefined();
      const [count] = (await db.query(`SELECT count(*)::int AS n FROM customers`)) as {
        n: number;
      }[];
      expect(count.n).toBe(recorded.length - heldBack);

      const [, readModel] = await query.stages();
      expect(readModel.name).toBe(CUSTOMER_READ_MODEL_PROJECTION);
      // Nothing of partition 0 is handled: no position below which everything is.
      expect(readModel.position).toBeNull();
      expect(readModel.lagEvents).toBe(recorded.length);
      expect(readModel.lagMs).toBeGreaterThanOrEqual(0);
      expect(readModel.details).toMatchObject({ furthestPosition: furthest!.toString() });

      release();
      await waitFor(async () => (await query.stages())[1].position === head.toString());
      const [, caughtUp] = await query.stages();
      expect(caughtUp).toMatchObject({ position: head.toString(), lagEvents: 0, lagMs: 0 });

      // Held again after handling some of its events: the view stops at the last one partition 0 handled.
      const [row] = (await db.query(
        `SELECT position FROM projection_offsets WHERE partition = $1 AND topic = $2`,
        [held, topic],
      )) as { position: string }[];
      void hold();
      const more = await appendAndPublish(100, 24);
      const newHead = await store.headPosition();
      await waitFor(async () => (await kafka.lag(group)).every((p) => p.partition === held || p.lag === 0));
      const [, behind] = await query.stages();
      expect(behind.position).toBe(row.position);
      expect(behind.lagEvents).toBe(
        recorded.filter((e) => e.globalPosition > BigInt(row.position)).length + more.length,
      );
      expect(behind.lagMs).toBeGreaterThanOrEqual(0);

      release();
      await waitFor(async () => (await query.stages())[1].position === newHead.toString());
    }, 120_000);
  });
}
