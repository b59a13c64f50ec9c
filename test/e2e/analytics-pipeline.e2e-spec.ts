import { ANALYTICS_CLIENT, AnalyticsProjector, selectRows, type AnalyticsClient } from '@crm/analytics';
import { analyticsSnapshot } from '@crm/analytics/testing';
import request from 'supertest';
import { ApiHarness, startApi } from '../support/api-harness';
import { acquiredEvent, churnedEvent, purchasedEvent, referredEvent } from '../support/event-fixtures';
import { publishInBatches } from '../support/pipeline-checks';
import { publishedHistory } from '../support/published-history';

/**
 * The analytics leg of `crm serve`: events published through the API reach ClickHouse (the embedded engine)
 * through the store, the relay, the in-process bus and the `crm.analytics` consumer group.
 */
describe('embedded pipeline into ClickHouse', () => {
  let api: ApiHarness;
  let ch: AnalyticsClient;
  const db = () => ch.database;

  const caughtUp = async (timeoutMs = 60_000) => {
    const projector = api.app.get(AnalyticsProjector);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [head, checkpoint] = await Promise.all([api.store.headPosition(), projector.checkpoint()]);
      if (checkpoint === head) return;
      if (Date.now() > deadline) throw new Error(`analytics at ${checkpoint}, store at ${head}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  beforeAll(async () => {
    api = await startApi({ ANALYTICS_LINGER_MS: '20' }, { withWorker: true });
    ch = api.app.get<AnalyticsClient>(ANALYTICS_CLIENT);
  }, 60_000);
  afterAll(() => api?.close(), 60_000);

  it('reports every adapter of crm serve in /health, the embedded engine and the in-process bus included', async () => {
    const res = await request(api.http).get('/health').expect(200);
    expect(res.body).toEqual({
      status: 'ok',
      checks: {
        eventStore: { adapter: 'sqlite', status: 'up' },
        readModel: { adapter: 'sqlite', status: 'up' },
        analytics: { adapter: 'chdb', status: 'up' },
        bus: { adapter: 'in-process', status: 'up' },
      },
    });
    expect(ch.engine).toBe('embedded');
  });

  it('stores what was published: events, customer dimension and purchase days', async () => {
    const events = [
      acquiredEvent('ana', { occurredAt: '2026-01-05T09:00:00Z' }),
      purchasedEvent('ana', { occurredAt: '2026-02-01T14:03:00Z' }), // 25.99 EUR, 1 book
      acquiredEvent('ben', {
        occurredAt: '2026-01-06T09:00:00Z',
        data: { channel: 'referral', referredBy: 'ana', profile: { country: 'FR' } },
      }),
      referredEvent('ana', 'ben'),
      purchasedEvent('ben', { occurredAt: '2026-02-03T10:00:00Z' }),
      purchasedEvent('ben', { occurredAt: '2026-02-03T18:00:00Z' }), // same day: one daily row, 2 orders
      churnedEvent('ben', { occurredAt: '2026-03-01T00:00:00Z' }),
    ];
    await request(api.http).post('/v1/events').send({ events }).expect(201);
    await caughtUp();

    const customers = await selectRows(
      ch.client,
      `SELECT customer_id, acquisition_channel, referred_by, country, stage, purchases, referrals_made, churn_count
       FROM ${db()}.customers FINAL WHERE customer_id IN ('ana', 'ben') ORDER BY customer_id`,
    );
    expect(customers).toEqual([
      {
        customer_id: 'ana',
        acquisition_channel: 'paid_search',
        referred_by: '',
        country: 'IT',
        stage: 'active',
        purchases: 1,
        referrals_made: 1,
        churn_count: 0,
      },
      {
        customer_id: 'ben',
        acquisition_channel: 'referral',
        referred_by: 'ana',
        country: 'FR',
        stage: 'churned',
        purchases: 2,
        referrals_made: 0,
        churn_count: 1,
      },
    ]);
    const days = await selectRows(
      ch.client,
      `SELECT customer_id, toString(day) AS day, orders, amount_minor, items
       FROM ${db()}.customer_daily FINAL WHERE customer_id IN ('ana', 'ben') ORDER BY customer_id, day`,
    );
    expect(days).toEqual([
      { customer_id: 'ana', day: '2026-02-01', orders: 1, amount_minor: 2599, items: 1 },
      { customer_id: 'ben', day: '2026-02-03', orders: 2, amount_minor: 5198, items: 2 },
    ]);
    // Personal data stays in the event store.
    const [row] = await selectRows<Record<string, unknown>>(
      ch.client,
      `SELECT * FROM ${db()}.events FINAL WHERE customer_id = 'ana' AND event_type = 'CustomerAcquired'`,
    );
    expect(JSON.stringify(row)).not.toMatch(/Ada Rossi|ada@example\.com/);
  });

  it('agrees with the store for a generated history, and a redelivery of the whole store changes nothing', async () => {
    const history = publishedHistory(60, 8, 404);
    await publishInBatches(api.http, history, 200);
    await caughtUp();

    // Orders and revenue per customer and currency, from the store itself...
    const expected = new Map<string, { orders: number; minor: number }>();
    let after: bigint | undefined;
    const all = [];
    for (;;) {
      const batch = await api.store.readAll({ after, maxCount: 500, streamPrefix: 'customer-' });
      if (batch.length === 0) break;
      all.push(...batch);
      after = batch[batch.length - 1].globalPosition;
    }
    for (const event of all.filter((e) => e.type === 'CustomerPurchased')) {
      const amount = event.data.amount as { minor: number; currency: string };
      const key = `${event.streamId.replace('customer-', '')}|${amount.currency}`;
      const sum = expected.get(key) ?? { orders: 0, minor: 0 };
      expected.set(key, { orders: sum.orders + 1, minor: sum.minor + amount.minor });
    }
    // ...and from ClickHouse.
    const rows = await selectRows<{ customer_id: string; currency: string; orders: number; minor: number }>(
      ch.client,
      `SELECT customer_id, currency, sum(orders) AS orders, sum(amount_minor) AS minor
       FROM ${db()}.customer_daily FINAL GROUP BY customer_id, currency`,
    );
    const actual = new Map(
      rows.map((r) => [`${r.customer_id}|${r.currency}`, { orders: r.orders, minor: r.minor }]),
    );
    expect(actual).toEqual(expected);
    const [count] = await selectRows<{ n: number }>(
      ch.client,
      `SELECT count() AS n FROM ${db()}.events FINAL`,
    );
    expect(count.n).toBe(all.length);

    const params = { cutoff: '2026-12-31', start: '2025-01-01', currency: 'EUR' };
    const before = await analyticsSnapshot(ch, params);
    const projector = api.app.get(AnalyticsProjector);
    for (let i = 0; i < all.length; i += 150) await projector.apply(all.slice(i, i + 150));
    expect(await analyticsSnapshot(ch, params)).toEqual(before);
  }, 120_000);
});
