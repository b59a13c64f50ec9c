import { ANALYTICS_CLIENT, AnalyticsProjector, selectRows, type AnalyticsClient } from '@crm/analytics';
import { createEventStore, type EventStore, type RecordedEvent } from '@crm/event-store';
import { BUS, type Bus, type BusConsumer } from '@crm/messaging';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { mintApiKey } from '@crm/http-api';
import { ApiHarness, startApi } from '../support/api-harness';
import { acquiredEvent, churnedEvent, contactedEvent, purchasedEvent } from '../support/event-fixtures';

/**
 * Right to erasure by crypto-shredding, through the whole embedded deployment (`crm serve`: API, relay,
 * read-model and analytics projectors): before, the personal fields are everywhere a reader may look; after
 * DELETE /v1/customers/{id}/personal-data they are nowhere (read model, timeline, time travel, analytics, the
 * store's file), the figures are unchanged, and a rebuild of the read model cannot bring them back.
 */
describe('right to erasure: DELETE /v1/customers/{id}/personal-data', () => {
  let api: ApiHarness;
  let raw: EventStore;
  let ch: AnalyticsClient;
  let tap: BusConsumer;
  /** Every record the relay put on the bus, as bytes. */
  const onTheBus: string[] = [];
  const customerId = `c-${randomUUID()}`;
  const other = `c-${randomUUID()}`;
  const EMAIL = 'ada@example.com';
  const rfmUrl = '/v1/analytics/rfm/customers?cutoff=2026-03-31&currency=EUR&limit=1000';

  const caughtUp = async () => {
    const projector = api.app.get(AnalyticsProjector);
    const head = await api.store.headPosition();
    const deadline = Date.now() + 60_000;
    while ((await projector.checkpoint()) !== head) {
      if (Date.now() > deadline) throw new Error('analytics did not catch up');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await request(api.http).get(`/v1/customers/${customerId}?minPosition=${head}`).expect(200);
  };
  const customer360 = async () =>
    (await request(api.http).get(`/v1/customers/${customerId}`).expect(200)).body;
  const timeline = async () =>
    (await request(api.http).get(`/v1/customers/${customerId}/events`).expect(200)).body.events as {
      type: string;
      data: Record<string, unknown>;
    }[];
  const analyticsCustomer = async () =>
    (
      await selectRows<Record<string, unknown>>(
        ch.client,
        `SELECT customer_id, city, country, stage, purchases, contacts, churn_count
         FROM ${ch.database}.customers FINAL WHERE customer_id = {id:String}`,
        { id: customerId },
      )
    )[0];
  const analyticsAcquiredRow = async () =>
    (
      await selectRows<Record<string, unknown>>(
        ch.client,
        `SELECT * EXCEPT projected_at FROM ${ch.database}.events FINAL
         WHERE customer_id = {id:String} AND event_type = 'CustomerAcquired'`,
        { id: customerId },
      )
    )[0];
  const rfmOf = async () =>
    ((await request(api.http).get(rfmUrl).expect(200)).body.customers as { customerId: string }[]).find(
      (c) => c.customerId === customerId,
    );
  const readAllRaw = async (): Promise<RecordedEvent[]> => {
    const all: RecordedEvent[] = [];
    for (let after: bigint | undefined; ;) {
      const batch = await raw.readAll({ after, maxCount: 500 });
      if (batch.length === 0) return all;
      all.push(...batch);
      after = batch[batch.length - 1].globalPosition;
    }
  };

  beforeAll(async () => {
    api = await startApi({ ANALYTICS_LINGER_MS: '20' }, { withWorker: true });
    ch = api.app.get<AnalyticsClient>(ANALYTICS_CLIENT);
    raw = createEventStore({ dataDir: api.config.dataDir, raw: true });
    tap = await api.app.get<Bus>(BUS).consume({
      group: 'erasure-e2e-tap',
      handler: async (messages) => {
        onTheBus.push(...messages.map((m) => m.value.toString('utf8')));
      },
    });
    const phone = {
      profile: { name: 'Ada Rossi', email: EMAIL, phone: '+39 02 555', country: 'IT', city: 'Milano' },
    };
    await request(api.http)
      .post('/v1/events')
      .send({
        events: [
          acquiredEvent(customerId, {
            // The newsletter contact below is e-mail marketing: opt-in by default.
            data: {
              channel: 'paid_search',
              ...phone,
              consents: [{ channel: 'email', purpose: 'marketing' }],
            },
          }),
          contactedEvent(customerId),
          purchasedEvent(customerId, { occurredAt: '2026-02-01T14:03:00Z' }),
          purchasedEvent(customerId, { occurredAt: '2026-03-01T10:00:00Z' }),
          acquiredEvent(other),
          purchasedEvent(other),
          churnedEvent(other),
        ],
      })
      .expect(201);
    await caughtUp();
  }, 90_000);
  afterAll(async () => {
    await tap?.stop();
    await raw?.close();
    await api?.close();
  }, 60_000);

  let before: {
    summary: Record<string, unknown>;
    analytics: Record<string, unknown>;
    rfm: unknown;
    segments: unknown;
  };

  it('shows the personal fields before, while the store holds them encrypted only', async () => {
    const summary = await customer360();
    expect(summary).toMatchObject({
      erased: false,
      erasedAt: null,
      profile: { name: 'Ada Rossi', email: EMAIL, phone: '+39 02 555', city: 'Milano', country: 'IT' },
      purchasesCount: 2,
      spend: [{ currency: 'EUR', totalMinor: 5198, purchases: 2 }],
    });
    expect((await timeline())[0].data.profile).toMatchObject({ email: EMAIL, city: 'Milano' });
    const analytics = await analyticsCustomer();
    expect(analytics).toMatchObject({ city: 'Milano', country: 'IT', purchases: 2, contacts: 1 });
    const rfm = await rfmOf();
    expect(rfm).toBeDefined();
    const segments = (
      await request(api.http).get('/v1/analytics/rfm?cutoff=2026-03-31&currency=EUR').expect(200)
    ).body;
    before = { summary, analytics, rfm, segments };

    const recorded = (await raw.readStream(`customer-${customerId}`))[0];
    expect(JSON.stringify(recorded.data)).not.toContain(EMAIL);
    expect(recorded.data.sealedPersonalData).toMatchObject({ alg: 'A256GCM', keyId: expect.any(String) });

    // The relay publishes sealed events: the bus (Kafka's log, in production) holds ciphertext only.
    expect(onTheBus.some((value) => value.includes(customerId) && value.includes('sealedPersonalData'))).toBe(
      true,
    );
    expect(onTheBus.join('\n')).not.toContain(EMAIL);
  });

  it('answers 401 without a valid key, 404 for an unknown customer', async () => {
    await request(api.http).delete(`/v1/customers/c-${randomUUID()}/personal-data`).expect(404);
    await request(api.http)
      .delete(`/v1/customers/${customerId}/personal-data`)
      .set('Authorization', 'Bearer not-a-key')
      .expect(401);
  });

  it('erases: gone from the read model, the timeline, time travel and analytics; figures unchanged', async () => {
    const res = await request(api.http).delete(`/v1/customers/${customerId}/personal-data`).expect(200);
    expect(res.body).toMatchObject({ customerId, erasedNow: true, streamRevision: 4 });
    await caughtUp();

    const after = await customer360();
    expect(after).toMatchObject({
      erased: true,
      erasedAt: expect.stringMatching(/^\d{4}-/),
      profile: { name: null, email: null, phone: null, city: null, country: 'IT' },
    });
    const figures = (s: Record<string, unknown>) => {
      const {
        profile: _p,
        erased: _e,
        erasedAt: _a,
        streamRevision: _r,
        lastGlobalPosition: _g,
        updatedAt: _u,
        ...rest
      } = s;
      return rest;
    };
    expect(figures(after)).toEqual(figures(before.summary));

    const events = await timeline();
    expect(events.map((e) => e.type)).toContain('CustomerPersonalDataErased');
    expect(JSON.stringify(events)).not.toMatch(/Ada Rossi|ada@example\.com|Milano|\+39 02 555/);

    const asOf = await request(api.http)
      .get(`/v1/customers/${customerId}?asOf=2026-02-15T00:00:00Z`)
      .expect(200);
    expect(asOf.body.profile).toMatchObject({
      name: null,
      email: null,
      phone: null,
      city: null,
      country: 'IT',
    });
    expect(asOf.body.purchasesCount).toBe(1);

    expect(await analyticsCustomer()).toEqual({ ...before.analytics, city: '' });
    expect(JSON.stringify(await analyticsAcquiredRow())).not.toMatch(/Milano/);
    expect(await rfmOf()).toEqual(before.rfm);
    expect(
      (await request(api.http).get('/v1/analytics/rfm?cutoff=2026-03-31&currency=EUR').expect(200)).body,
    ).toEqual(before.segments);

    // The raw store and its file: ciphertext whose key is gone, never the plain value.
    expect(
      JSON.stringify(await readAllRaw(), (_k, v) => (typeof v === 'bigint' ? v.toString() : v)),
    ).not.toContain(EMAIL);
    expect(readFileSync(join(api.config.dataDir, 'events.sqlite')).includes(EMAIL)).toBe(false);
    expect(readFileSync(join(api.config.dataDir, 'events.sqlite')).includes('Milano')).toBe(false);
  });

  it('is idempotent', async () => {
    const res = await request(api.http).delete(`/v1/customers/${customerId}/personal-data`).expect(200);
    expect(res.body).toEqual({ customerId, erasedNow: false });
  });

  it('stays erased after a rebuild of the read model from the store', async () => {
    await request(api.http)
      .post('/v1/admin/projections/read-model/rebuild')
      .send({ fromScratch: true })
      .expect(202);
    const deadline = Date.now() + 30_000;
    let status = (await request(api.http).get('/v1/admin/projections/customer-read-model').expect(200)).body;
    while (status.rebuild?.status === 'running' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      status = (await request(api.http).get('/v1/admin/projections/customer-read-model').expect(200)).body;
    }
    expect(status.rebuild.status).toBe('completed');
    const rebuilt = await customer360();
    expect(rebuilt).toMatchObject({
      erased: true,
      profile: { name: null, email: null, phone: null, city: null },
      purchasesCount: 2,
    });
  });

  it('replays the erased customer without personal data, whatever the projection (no erasure event needed)', async () => {
    const stream = await api.store.readStream(`customer-${customerId}`, { until: { position: 1n << 62n } });
    const acquired = stream.find((e) => e.type === 'CustomerAcquired')!;
    expect(acquired.data.profile).toEqual({ country: 'IT' });
    expect(acquired.data).not.toHaveProperty('sealedPersonalData');
    const untouched = (await api.store.readStream(`customer-${other}`))[0];
    expect(untouched.data.profile).toMatchObject({ email: EMAIL });
  });
});

// After the suite above has closed its app: the embedded ClickHouse engine serves one data directory per process.
describe('DELETE /v1/customers/{id}/personal-data access', () => {
  const reader = mintApiKey('reader', ['customers:read']);
  const admin = mintApiKey('ops', ['admin']);
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi({ API_KEYS: JSON.stringify([reader.entry, admin.entry]) });
  }, 60_000);
  afterAll(() => api?.close(), 60_000);

  it('answers 403 without the admin scope, and goes through with it', async () => {
    const path = `/v1/customers/c-${randomUUID()}/personal-data`;
    const denied = await request(api.http).delete(path).set('Authorization', `Bearer ${reader.token}`);
    expect(denied.status).toBe(403);
    const allowed = await request(api.http).delete(path).set('Authorization', `Bearer ${admin.token}`);
    expect(allowed.body).toMatchObject({ status: 404, code: 'CUSTOMER_NOT_FOUND' });
  });
});
