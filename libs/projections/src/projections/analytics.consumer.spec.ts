import {
  AnalyticsProjector,
  AnalyticsSchema,
  runStatement,
  selectRows,
  type AnalyticsClient,
} from '@crm/analytics';
import { analyticsSnapshot } from '@crm/analytics/testing';
import { openTestAnalytics, type TestAnalytics } from '@crm/analytics/testing';
import { RecordedHistoryBuilder } from '@crm/analytics/testing';
import { loadConfig } from '@crm/config';
import { encodeCustomerEvent, InProcessBus } from '@crm/messaging';
import { Logger } from '@nestjs/common';
import {
  analyticsHistory,
  ANALYTICS_SNAPSHOT as SNAPSHOT,
  ObservedProjector,
} from './analytics-history.fixture';
import { ANALYTICS_GROUP, AnalyticsConsumer } from './analytics.consumer';

interface Harness {
  readonly bus: InProcessBus;
  readonly projector: ObservedProjector;
  readonly consumer: AnalyticsConsumer;
  stop(): Promise<void>;
}

async function startConsumer(
  ch: AnalyticsClient,
  env: Record<string, string> = {},
  bus = new InProcessBus({ partitions: 3 }),
): Promise<Harness> {
  const config = loadConfig({ ANALYTICS_BATCH_SIZE: '1000', ANALYTICS_LINGER_MS: '50', ...env });
  const schema = new AnalyticsSchema(ch);
  await schema.onModuleInit();
  const projector = new ObservedProjector(ch);
  const consumer = new AnalyticsConsumer(bus, projector, schema, config);
  await consumer.onModuleInit();
  return {
    bus,
    projector,
    consumer,
    stop: async () => {
      await consumer.onApplicationShutdown();
      await bus.close();
    },
  };
}

const stopMerges = async (db: TestAnalytics) => {
  for (const table of ['events', 'customers', 'customer_daily']) {
    await runStatement(db.ch.client, `SYSTEM STOP MERGES ${db.database}.${table}`);
  }
};

const storedRows = async (db: TestAnalytics) =>
  (await selectRows<{ n: number }>(db.ch.client, `SELECT count() AS n FROM ${db.database}.events`))[0].n;

describe('AnalyticsConsumer on the in-process bus and the embedded engine', () => {
  const events = analyticsHistory();
  const records = events.map((e) => encodeCustomerEvent(e));
  const opened: TestAnalytics[] = [];
  let reference: Record<string, unknown[]>;
  const open = async (label: string) => {
    const db = await openTestAnalytics(label);
    opened.push(db);
    return db;
  };

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    const db = await open('consumer_ref');
    await new AnalyticsProjector(db.ch).apply(events);
    reference = await analyticsSnapshot(db.ch, SNAPSHOT);
  });
  afterAll(async () => {
    for (const db of opened) await db.drop();
  });

  it('gathers the deliveries of every partition into one write, and caps a write at the batch size', async () => {
    const db = await open('consumer_batching');
    // A linger well above the spread of the partitions' deliveries, so the assertion does not race the clock.
    const gathered = await startConsumer(db.ch, { ANALYTICS_LINGER_MS: '500' });
    try {
      await gathered.bus.publish(records); // resolves once every group acknowledged
      expect(gathered.projector.writes).toEqual([events.length]);
      expect((await gathered.consumer.lag())!.map((p) => p.lag)).toEqual([0, 0, 0]);
    } finally {
      await gathered.stop();
    }
    const capped = await startConsumer(db.ch, { ANALYTICS_BATCH_SIZE: '4' });
    try {
      await capped.bus.publish(records);
      expect(Math.max(...capped.projector.writes)).toBeLessThanOrEqual(4);
      expect(capped.projector.writes.reduce((a, b) => a + b, 0)).toBe(events.length);
    } finally {
      await capped.stop();
    }
    expect(await analyticsSnapshot(db.ch, SNAPSHOT)).toEqual(reference);
  });

  it('commits nothing ClickHouse did not accept: a batch failing mid-write is redelivered and lands exactly', async () => {
    const db = await open('consumer_outage');
    await stopMerges(db);
    // A real failure half way: events are written, then the customer dimension is missing.
    await runStatement(
      db.ch.client,
      `RENAME TABLE ${db.database}.customers TO ${db.database}.customers_away`,
    );
    const h = await startConsumer(db.ch);
    try {
      const published = h.bus.publish(records);
      // Written at least twice: a write failed after its events, and the redelivery is failing too.
      await waitFor(async () => (await storedRows(db)) >= 2 * events.length);
      const lag = (await h.consumer.lag())!.reduce((sum, p) => sum + p.lag, 0);
      expect(lag).toBe(events.length); // not one offset acknowledged
      await runStatement(
        db.ch.client,
        `RENAME TABLE ${db.database}.customers_away TO ${db.database}.customers`,
      );
      await published;
      expect(await storedRows(db)).toBeGreaterThan(events.length); // the redelivery wrote the events again
      expect(await analyticsSnapshot(db.ch, SNAPSHOT)).toEqual(reference);
    } finally {
      await h.stop();
    }
  });

  it('changes no answer when the process dies between the ClickHouse write and the offset commit', async () => {
    const db = await open('consumer_crash');
    await stopMerges(db);
    const h = await startConsumer(db.ch);
    try {
      h.projector.crashAfterWrite = 2;
      await h.bus.publish(records);
      // Two writes "died" before their commit; the redeliveries wrote the same events again (in however many
      // writes the partitions' retries fell into).
      const written = h.projector.writes.reduce((a, b) => a + b, 0);
      expect(h.projector.writes.length).toBeGreaterThanOrEqual(3);
      expect(written).toBeGreaterThan(events.length * 2);
      expect(await storedRows(db)).toBe(written); // every copy is physically there
      expect(await analyticsSnapshot(db.ch, SNAPSHOT)).toEqual(reference);
    } finally {
      await h.stop();
    }
  });

  it('changes no answer on a replay of the whole log from position 0', async () => {
    const db = await open('consumer_replay');
    const first = await startConsumer(db.ch);
    await first.bus.publish(records);
    await first.stop();
    // A new bus (the relay republishing from a reset checkpoint), delivering in other batch boundaries.
    const replay = await startConsumer(db.ch, { ANALYTICS_BATCH_SIZE: '5' });
    try {
      for (let i = 0; i < records.length; i += 7) await replay.bus.publish(records.slice(i, i + 7));
      expect(await analyticsSnapshot(db.ch, SNAPSHOT)).toEqual(reference);
      expect(await new AnalyticsProjector(db.ch).checkpoint()).toBe(BigInt(events.length));
    } finally {
      await replay.stop();
    }
  });

  it('dead-letters an undecodable record and an event it cannot store, and projects the rest', async () => {
    const db = await open('consumer_poison');
    const h = await startConsumer(db.ch);
    const [bad] = new RecordedHistoryBuilder('poison').purchased('k-1', '2025-03-03T00:00:00Z', {
      minor: 1,
    }).events;
    const malformed = encodeCustomerEvent({
      ...bad,
      data: { orderId: 'o-x', amount: { minor: 1.5, currency: 'EUR' } },
    });
    try {
      await h.bus.publish([{ key: 'k-1', value: '{not json' }, malformed, ...records]);
      expect(h.bus.deadLetters.map((d) => [d.group, d.reason])).toEqual([
        [ANALYTICS_GROUP, expect.stringMatching(/^Undecodable lifecycle record/)],
        [ANALYTICS_GROUP, expect.stringContaining('data.amount.minor must be an integer')],
      ]);
      expect(await analyticsSnapshot(db.ch, SNAPSHOT)).toEqual(reference);
    } finally {
      await h.stop();
    }
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
