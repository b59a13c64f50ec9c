import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { mintApiKey } from '@crm/http-api';
import { ApiHarness, startApi } from '../support/api-harness';
import { acquiredEvent, purchasedEvent } from '../support/event-fixtures';
import { waitForPipeline } from '../support/pipeline-checks';

/**
 * The customer's whole file in GET /v1/customers/{id}, through the whole embedded flow: issue 13's facts
 * published with POST /v1/events (and marketing spend, in its campaign stream, with POST
 * /v1/marketing/spend), projected into the read model; scores fitted in ClickHouse and copied into the read
 * model by the scoring job (POST /v1/admin/scores/refresh), then answered with their freshness.
 *
 * Purchases: the twelve histories of the predictive-LTV tests (some customers stop early, some keep buying,
 * so both models have a finite fit), moved so that their cutoff is today, the scoring job's cutoff.
 */
const run = randomUUID().slice(0, 8);
const id = (name: string) => `${name}-${run}`;
/** [customer, first purchase (days before today), repeat purchases, every n weeks, repeat value in cents] */
const HISTORIES: [string, number, number, number, number][] = [
  ['p1', 175, 2, 4, 1000],
  ['p2', 175, 0, 1, 0],
  ['p3', 147, 1, 17, 3000],
  ['p4', 119, 3, 4, 500],
  ['p5', 84, 0, 1, 0],
  ['p6', 168, 1, 1, 1500],
  ['p7', 56, 1, 8, 250],
  ['q1', 175, 3, 1, 800],
  ['q2', 175, 2, 1, 1200],
  ['q3', 147, 4, 1, 600],
  ['s1', 175, 12, 2, 1100],
  ['s2', 147, 10, 2, 900],
];
const DAY = 86_400_000;
const today = new Date(new Date().toISOString().slice(0, 10) + 'T00:00:00Z').getTime();
/** Noon, `days` days before today (UTC): whole days, as the models count them. */
const daysAgo = (days: number) => new Date(today - days * DAY + 12 * 3_600_000).toISOString();
const buy = (customer: string, at: string, minor: number) =>
  purchasedEvent(customer, {
    occurredAt: at,
    data: { orderId: `o-${randomUUID().slice(0, 8)}`, amount: { minor, currency: 'EUR' } },
  });
const fact = (type: string, customerId: string, occurredAt: string, data: Record<string, unknown>) => ({
  eventId: randomUUID(),
  type,
  customerId,
  occurredAt,
  metadata: { source: 'care-service' },
  data,
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} never happened`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("Customer 360: the customer's whole file, scores included, after the pipeline catches up", () => {
  let api: ApiHarness;
  let lastPosition: string;
  let spendPosition: string;
  const file = id('s1');

  beforeAll(async () => {
    // No timer: the test scores on demand, so it knows when.
    api = await startApi({ SCORING_INTERVAL_MS: '0' }, { withWorker: true });
    const events: object[] = [];
    for (const [name, first, repeats, every, minor] of HISTORIES) {
      events.push(acquiredEvent(id(name), { occurredAt: daysAgo(200) }));
      events.push(buy(id(name), daysAgo(first), 1000));
      for (let i = 1; i <= repeats; i++) events.push(buy(id(name), daysAgo(first - i * every * 7), minor));
    }
    events.push(acquiredEvent(id('prospect'), { occurredAt: daysAgo(10) }));
    // The file of s1, in the order a care team would record it.
    events.push(
      fact('CustomerFeedbackGiven', file, daysAgo(30), {
        metric: 'nps',
        score: 10,
        channel: 'email',
        surveyId: 'nps-q2',
      }),
      fact('CustomerComplaintOpened', file, daysAgo(20), {
        complaintId: 'k-1',
        category: 'delivery',
        severity: 'high',
        channel: 'phone',
      }),
      fact('CustomerComplaintOpened', file, daysAgo(15), {
        complaintId: 'k-2',
        category: 'billing',
        severity: 'medium',
        channel: 'email',
      }),
      fact('CustomerComplaintResolved', file, daysAgo(12), {
        complaintId: 'k-1',
        resolution: 'refund',
        compensation: { minor: 1500, currency: 'EUR' },
        accepted: true,
      }),
      fact('CustomerContacted', file, daysAgo(12), {
        channel: 'phone',
        direction: 'inbound',
        purpose: 'support',
        cost: { minor: 420, currency: 'EUR' },
      }),
      fact('CustomerFeedbackGiven', file, daysAgo(11), {
        metric: 'nps',
        score: 4,
        channel: 'sms',
        surveyId: 'nps-after-complaint',
        comment: 'Still waiting for the invoice fix',
      }),
      fact('CustomerFeedbackGiven', file, daysAgo(11), {
        metric: 'csat',
        score: 3,
        channel: 'chat',
        surveyId: 'csat-support',
      }),
      fact('CustomerConsentWithdrawn', file, daysAgo(10), { channel: 'email', purpose: 'marketing' }),
      fact('CustomerConsentGranted', file, daysAgo(10), {
        channel: 'sms',
        purpose: 'survey',
        source: 'care-call',
      }),
      fact('CustomerPreferencesSet', file, daysAgo(9), {
        preferredChannel: 'sms',
        language: 'it',
        contactFrequency: 'monthly',
        categories: ['books', 'music'],
      }),
    );
    const published = await request(api.http).post('/v1/events').send({ events }).expect(201);
    const spend = await request(api.http)
      .post('/v1/marketing/spend')
      .send({
        eventId: randomUUID(),
        occurredAt: daysAgo(1),
        metadata: { source: 'finance-service' },
        data: {
          campaign: 'spring-26',
          channel: 'paid_search',
          periodStart: daysAgo(31).slice(0, 10),
          periodEnd: daysAgo(1).slice(0, 10),
          amount: { minor: 1_250_000, currency: 'EUR' },
        },
      })
      .expect(201);
    lastPosition = published.body.results.at(-1).globalPosition;
    spendPosition = spend.body.results[0].globalPosition;
    expect(BigInt(spendPosition)).toBeGreaterThan(BigInt(lastPosition));
  }, 120_000);
  afterAll(() => api?.close());

  it('shows the latest NPS and CSAT, open complaints, consents, preferences and costs from the events', async () => {
    // minPosition: answered once the read model holds the file's last event.
    const res = await request(api.http)
      .get(`/v1/customers/${file}?minPosition=${lastPosition}&waitMs=10000`)
      .expect(200);
    const c = res.body;
    expect(c.nps).toEqual({
      score: 4,
      class: 'detractor',
      surveyId: 'nps-after-complaint',
      channel: 'sms',
      at: daysAgo(11),
    });
    expect(c.csat).toEqual({ score: 3, surveyId: 'csat-support', channel: 'chat', at: daysAgo(11) });
    expect(c.complaints).toEqual({
      opened: 2,
      resolved: 1,
      open: [
        {
          complaintId: 'k-2',
          category: 'billing',
          severity: 'medium',
          channel: 'email',
          orderId: null,
          openedAt: daysAgo(15),
        },
      ],
    });
    expect(c.consents).toEqual([
      { channel: 'email', purpose: 'marketing', status: 'withdrawn', at: daysAgo(10), source: null },
      { channel: 'sms', purpose: 'survey', status: 'granted', at: daysAgo(10), source: 'care-call' },
    ]);
    expect(c.preferences).toEqual({
      preferredChannel: 'sms',
      language: 'it',
      contactFrequency: 'monthly',
      categories: ['books', 'music'],
      updatedAt: daysAgo(9),
    });
    expect(c.costToServe).toEqual([{ currency: 'EUR', totalMinor: 420, count: 1 }]);
    expect(c.compensation).toEqual([{ currency: 'EUR', totalMinor: 1500, count: 1 }]);
    // The free-text comment is personal data: never in the read model.
    expect(JSON.stringify(c)).not.toContain('invoice');
    expect(c.freshness.events).toEqual({
      streamRevision: c.streamRevision,
      lastGlobalPosition: c.lastGlobalPosition,
      projectionPosition: expect.stringMatching(/^\d+$/),
      updatedAt: c.updatedAt,
    });
    expect(BigInt(c.freshness.events.projectionPosition)).toBeGreaterThanOrEqual(BigInt(lastPosition));
    expect(c.scores).toBeNull();
    expect(c.freshness.scores).toBeNull();
    // The campaign stream made no customer, and a read after the spend has nothing to wait for.
    await request(api.http).get(`/v1/customers/${file}?minPosition=${spendPosition}&waitMs=0`).expect(200);
    await request(api.http).get('/v1/customers/spring-26').expect(404);
    await request(api.http).get('/v1/customers/campaign-spring-26').expect(404);
  });

  it('shows the latest model’s CLV, P(alive), RFM segment and portfolio action once the scoring job ran', async () => {
    // The analytics projection is asynchronous too: wait until it holds every event (a buyer counted with only
    // some of its purchases would be scored in another segment than the RFM answer read afterwards gives).
    const cutoff = new Date(today).toISOString().slice(0, 10);
    await waitForPipeline(api.http, 60_000, ['relay', 'customer-read-model', 'analytics']);

    // Scores follow the data: a refresh while the analytics projection still moves fits on what it has, and
    // the next refresh fits again. Once the data is still, the job's model is the one the API answers with.
    const { refreshed, model } = await until('a refresh on the settled data', async () => {
      const refreshed = await request(api.http).post('/v1/admin/scores/refresh').expect(200);
      const model = await request(api.http)
        .get(`/v1/analytics/predictive-ltv?cutoff=${cutoff}&currency=EUR&horizonWeeks=52&limit=100`)
        .expect(200);
      return model.body.model.modelId === refreshed.body.modelId ? { refreshed, model } : undefined;
    });
    expect(refreshed.body).toMatchObject({
      status: 'scored',
      cutoff,
      currency: 'EUR',
      scored: HISTORIES.length,
    });
    const { modelId, scoredAt } = refreshed.body;
    const rfm = await request(api.http)
      .get(`/v1/analytics/rfm/customers?cutoff=${cutoff}&currency=EUR&limit=100`)
      .expect(200);
    const quadrants = await request(api.http)
      .get(`/v1/analytics/portfolio?cutoff=${cutoff}&currency=EUR&horizonWeeks=52`)
      .expect(200);

    const actions: string[] = [];
    for (const [name] of HISTORIES) {
      const c = (
        await request(api.http)
          .get(`/v1/customers/${id(name)}`)
          .expect(200)
      ).body;
      const predicted = model.body.customers.find((p: { customerId: string }) => p.customerId === id(name));
      expect(c.scores).toMatchObject({
        modelId,
        cutoff,
        currency: 'EUR',
        predictedClvMinor: Math.round(predicted.clv.minor),
        rfmSegment: rfm.body.customers.find((r: { customerId: string }) => r.customerId === id(name)).segment,
        scoredAt,
      });
      expect(c.scores.pAlive).toBeCloseTo(predicted.pAlive, 6);
      expect(c.freshness.scores).toEqual({ modelId, cutoff, scoredAt });
      actions.push(c.scores.portfolio.action);
    }
    // Each customer in one quadrant, as many per quadrant as the portfolio matrix counts.
    for (const q of quadrants.body.quadrants as { action: string; customers: number }[]) {
      expect(actions.filter((a) => a === q.action)).toHaveLength(q.customers);
    }

    // Acquired, never bought: the model does not score them.
    const prospect = (
      await request(api.http)
        .get(`/v1/customers/${id('prospect')}`)
        .expect(200)
    ).body;
    expect(prospect.scores).toBeNull();
    expect(prospect.freshness.scores).toBeNull();
  });
});

describe('POST /v1/admin/scores/refresh', () => {
  const reader = mintApiKey('reader', ['customers:read']);
  const admin = mintApiKey('admin', ['admin']);
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi(
      { API_KEYS: JSON.stringify([reader.entry, admin.entry]), SCORING_INTERVAL_MS: '0' },
      { sendKey: false },
    );
  });
  afterAll(() => api?.close());

  it('needs the admin scope', async () => {
    await request(api.http).post('/v1/admin/scores/refresh').expect(401);
    const res = await request(api.http)
      .post('/v1/admin/scores/refresh')
      .set('authorization', `Bearer ${reader.token}`)
      .expect(403);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('says why it scored nobody when there is no data to fit a model on', async () => {
    const res = await request(api.http)
      .post('/v1/admin/scores/refresh')
      .set('authorization', `Bearer ${admin.token}`)
      .expect(200);
    expect(res.body).toMatchObject({ status: 'skipped', currency: 'EUR', scored: 0, removed: 0 });
    expect(res.body.reason).toMatch(/EUR/);
  });
});
