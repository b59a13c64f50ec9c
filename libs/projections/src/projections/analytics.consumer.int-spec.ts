import { AnalyticsProjector, AnalyticsSchema, runStatement, selectRows } from '@crm/analytics';
import { analyticsSnapshot } from '@crm/analytics/testing';
import { openTestAnalytics, type TestAnalytics } from '@crm/analytics/testing';
import { loadConfig } from '@crm/config';
import { encodeCustomerEvent, KafkaBus } from '@crm/messaging';
import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  analyticsHistory,
  ANALYTICS_SNAPSHOT as SNAPSHOT,
  ObservedProjector,
} from './analytics-history.fixture';
import { AnalyticsConsumer } from './analytics.consumer';

const brokers = process.env.KAFKA_BROKERS?.split(',');

/** The analytics consumer under a group of the test's own, so no other suite's members join it. */
class GroupConsumer extends AnalyticsConsumer {
  constructor(
    protected override readonly group: string,
    ...args: ConstructorParameters<typeof AnalyticsConsumer>
  ) {
    super(...args);
  }
}

interface Member {
  readonly projector: ObservedProjector;
  /** Stops the consumer and its Kafka client, as the process exiting would. */
  stop(): Promise<void>;
}

if (!brokers) {
  console.warn(
    'Analytics consumer on Kafka skipped: KAFKA_BROKERS is not set (bash infra/local/servers.sh up)',
  );
  describe.skip('analytics consumer on Kafka (KAFKA_BROKERS is not set)', () =>
    it('needs a broker', () => undefined));
} else {
  describe('analytics consumer group on Kafka and the embedded engine', () => {
    const topic = `analytics-int-${randomUUID().slice(0, 8)}`;
    const events = analyticsHistory();
    const inspector = new KafkaBus({ brokers, topic, partitions: 3, clientId: 'analytics-int' });
    const opened: TestAnalytics[] = [];
    const members: Member[] = [];
    let reference: Record<string, unknown[]>;

    const open = async (label: string, stopMerges = false) => {
      const db = await openTestAnalytics(label);
      opened.push(db);
      for (const table of stopMerges ? ['events', 'customers', 'customer_daily'] : []) {
        await runStatement(db.ch.client, `SYSTEM STOP MERGES ${db.database}.${table}`);
      }
      return db;
    };

    /** One worker process's consumer: its own Kafka client, the store's projector. */
    const join = async (db: TestAnalytics, group: string, crashAfterWrite = 0): Promise<Member> => {
      const bus = new KafkaBus({ brokers, topic, partitions: 3, clientId: group });
      await bus.start();
      const schema = new AnalyticsSchema(db.ch);
      await schema.onModuleInit();
      const projector = new ObservedProjector(db.ch);
      projector.crashAfterWrite = crashAfterWrite;
      const config = loadConfig({ ANALYTICS_BATCH_SIZE: '1000', ANALYTICS_LINGER_MS: '100' });
      const consumer = new GroupConsumer(group, bus, projector, schema, config);
      await consumer.onModuleInit();
      let stopped: Promise<void> | undefined;
      const member = {
        projector,
        stop: () => (stopped ??= consumer.onApplicationShutdown().then(() => bus.close())),
      };
      members.push(member);
      return member;
    };

    const lag = async (group: string) => (await inspector.lag(group)).reduce((sum, p) => sum + p.lag, 0);
    const distinctEvents = async (db: TestAnalytics) =>
      (
        await selectRows<{ n: number }>(db.ch.client, `SELECT count() AS n FROM ${db.database}.events FINAL`)
      )[0].n;
    const storedRows = async (db: TestAnalytics) =>
      (await selectRows<{ n: number }>(db.ch.client, `SELECT count() AS n FROM ${db.database}.events`))[0].n;

    beforeAll(async () => {
      Logger.overrideLogger(['error']);
      await inspector.start();
      await inspector.publish(events.map((e) => encodeCustomerEvent(e)));
      const db = await open('kafka_ref');
      await new AnalyticsProjector(db.ch).apply(events);
      reference = await analyticsSnapshot(db.ch, SNAPSHOT);
    }, 60_000);

    afterAll(async () => {
      for (const member of members) await member.stop();
      for (const db of opened) await db.drop();
      await inspector.close();
    }, 60_000);

    it('projects the topic, committing once ClickHouse holds the rows', async () => {
      const db = await open('kafka_live');
      const group = `analytics-int-live-${randomUUID().slice(0, 8)}`;
      const member = await join(db, group);
      await waitFor(async () => (await lag(group)) === 0);
      expect(await distinctEvents(db)).toBe(events.length);
      expect(await analyticsSnapshot(db.ch, SNAPSHOT)).toEqual(reference);
      await member.stop();
    }, 90_000);

    it('changes no answer when a consumer dies between the ClickHouse write and the commit', async () => {
      const db = await open('kafka_crash', true);
      const group = `analytics-int-crash-${randomUUID().slice(0, 8)}`;
      // Every write of this member "dies" before its commit: it writes, never acknowledges.
      const doomed = await join(db, group, Number.MAX_SAFE_INTEGER);
      await waitFor(async () => (await distinctEvents(db)) === events.length);
      expect(await lag(group)).toBe(events.length); // written, and not one offset committed
      await doomed.stop();

      // The next process of the group gets the whole topic again.
      const successor = await join(db, group);
      await waitFor(async () => (await lag(group)) === 0);
      expect(successor.projector.writes.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(events.length);
      expect(await storedRows(db)).toBeGreaterThanOrEqual(events.length * 2); // the copies are there...
      expect(await analyticsSnapshot(db.ch, SNAPSHOT)).toEqual(reference); // ...and counted once
      await successor.stop();
    }, 120_000);

    it('changes no answer on a replay from offset 0 under a new group', async () => {
      const db = await open('kafka_replay', true);
      const first = `analytics-int-first-${randomUUID().slice(0, 8)}`;
      const member = await join(db, first);
      await waitFor(async () => (await lag(first)) === 0);
      await member.stop();
      const checkpoint = await new AnalyticsProjector(db.ch).checkpoint();

      const replay = `analytics-int-replay-${randomUUID().slice(0, 8)}`;
      const replaying = await join(db, replay);
      await waitFor(async () => (await lag(replay)) === 0);
      expect(await storedRows(db)).toBeGreaterThanOrEqual(events.length * 2); // at least once per group
      expect(await analyticsSnapshot(db.ch, SNAPSHOT)).toEqual(reference);
      expect(await new AnalyticsProjector(db.ch).checkpoint()).toBe(checkpoint);
      await replaying.stop();
    }, 120_000);
  });
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
