import { ANALYTICS_CLIENT, AnalyticsProjector, type AnalyticsClient } from '@crm/analytics';
import { customerFactsHistory } from '@crm/analytics/testing';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { ApiHarness, startApi } from '../support/api-harness';
import { acquiredEvent, purchasedEvent } from '../support/event-fixtures';
import { waitForAnswer } from '../support/pipeline-checks';

/**
 * The answers of issue 13 over HTTP, on the API's own embedded store holding the hand-checked history of
 * libs/analytics/src/testing/customer-facts.history.ts (its arithmetic is in the query specs), with the margin
 * and the cost-to-serve table taken from the configuration.
 */
describe('GET /v1/analytics: satisfaction, complaints, campaigns, profitability', () => {
  let api: ApiHarness;

  beforeAll(async () => {
    api = await startApi({
      PROFIT_MARGIN: '0.8',
      COST_TO_SERVE: 'email=5,phone=400',
      COST_TO_SERVE_CURRENCY: 'EUR',
    });
    // The schema is applied at boot, asynchronously: wait (bounded) until the answers are served.
    await waitForAnswer(api.http, '/v1/analytics/complaints', (res) => res.status === 200);
    await new AnalyticsProjector(api.app.get<AnalyticsClient>(ANALYTICS_CLIENT)).apply(
      customerFactsHistory(),
    );
  }, 60_000);
  afterAll(() => api?.close());

  const Q1 = 'from=2026-01-01&to=2026-03-31';

  it('answers NPS and CSAT, per quarter and by channel', async () => {
    const res = await request(api.http)
      .get(`/v1/analytics/satisfaction?${Q1}&period=quarter&groupBy=channel`)
      .expect(200);
    expect(res.body.total).toMatchObject({ npsResponses: 6, nps: -16.6667, csat: 66.6667 });
    expect(res.body.groups.map((g: { group: string; nps: number | null }) => [g.group, g.nps])).toEqual([
      ['organic', 0],
      ['paid_search', 100],
      ['paid_social', -100],
    ]);
  });

  it('answers churn and LTV per NPS class', async () => {
    const res = await request(api.http)
      .get('/v1/analytics/satisfaction/classes?cutoff=2026-03-31&currency=EUR')
      .expect(200);
    expect(res.body.classes.map((c: { churnRate: number }) => c.churnRate)).toEqual([0.5, 0, 1]);
  });

  it('answers complaint rates and resolution times', async () => {
    const res = await request(api.http).get(`/v1/analytics/complaints?${Q1}`).expect(200);
    expect(res.body.total).toMatchObject({ complaints: 3, customers: 7, p50Hours: 42, p90Hours: 46.8 });
  });

  it('answers campaign ROI and payback with the configured margin', async () => {
    const res = await request(api.http)
      .get('/v1/analytics/campaigns?cutoff=2026-03-31&currency=EUR&predictions=false')
      .expect(200);
    expect(res.body.margin).toBe(0.8);
    expect(res.body.campaigns.find((c: { campaign: string }) => c.campaign === 'spring')).toMatchObject({
      cac: { minor: 6000, currency: 'EUR', decimal: '60.00' },
      roi: 0.133333,
      paybackDays: 40,
    });
  });

  it('answers profitability with the configured cost-to-serve table', async () => {
    const res = await request(api.http)
      .get('/v1/analytics/profitability?cutoff=2026-03-31&currency=EUR&limit=2')
      .expect(200);
    expect(res.body).toMatchObject({
      costToServeTable: { email: 5, phone: 400 },
      unprofitable: 2,
      profit: { minor: 18495, decimal: '184.95' },
    });
    expect(res.body.leastProfitable.map((c: { customerId: string }) => c.customerId)).toEqual(['d2', 'd1']);
  });

  it.each([
    ['/v1/analytics/satisfaction?period=week', '$query.period', 'INVALID_FIELD'],
    ['/v1/analytics/satisfaction?groupBy=planet', '$query.groupBy', 'INVALID_FIELD'],
    ['/v1/analytics/satisfaction?groupBy=segment', '$query.currency', 'INVALID_FIELD'],
    ['/v1/analytics/satisfaction?currency=AAA', '$query.currency', 'INVALID_FIELD'],
    ['/v1/analytics/satisfaction?from=2026-03-01&to=2026-01-01', '$query.from', 'INVALID_FIELD'],
    ['/v1/analytics/satisfaction/classes?cutoff=2026-03-31', '$query.currency', 'REQUIRED_FIELD'],
    ['/v1/analytics/complaints?period=year', '$query.period', 'INVALID_FIELD'],
    ['/v1/analytics/complaints?to=2026-02-30', '$query.to', 'INVALID_FIELD'],
    ['/v1/analytics/campaigns?currency=EUR&predictions=maybe', '$query.predictions', 'INVALID_FIELD'],
    ['/v1/analytics/campaigns?currency=euro', '$query.currency', 'INVALID_FIELD'],
    ['/v1/analytics/profitability?currency=EUR&limit=0', '$query.limit', 'INVALID_FIELD'],
    ['/v1/analytics/profitability?currency=EUR&limit=ten', '$query.limit', 'INVALID_FIELD'],
    ['/v1/analytics/profitability?cutoff=2026-03-31', '$query.currency', 'REQUIRED_FIELD'],
  ])('refuses %s as a problem naming the parameter', async (url, path, code) => {
    const res = await request(api.http).get(url).expect(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', errors: [{ path, code }] });
  });
});

/**
 * The facts published through POST /v1/events reach the answers through the relay, the bus and the analytics
 * projector (`crm serve`'s wiring):
 *   a1 acquired 01-05, buys 25.99 (02-01), NPS 10 (02-10), complaint 02-11 10:00 resolved 02-12 10:00 (24 h)
 *      with 15.00 back
 *   a2 acquired 01-05, NPS 3 (02-10), an inbound support call costing 4.00 (02-11)
 * Margin 0.5: a1 25.99 x 0.5 - 15.00 = -2.005; a2 -4.00: both cost more than they bring.
 */
describe('issue 13 answers after publishing through POST /v1/events', () => {
  let api: ApiHarness;
  const [a1, a2] = ['a1', 'a2'].map((c) => `${c}-${randomUUID().slice(0, 8)}`);
  const fact = (type: string, customerId: string, occurredAt: string, data: Record<string, unknown>) => ({
    eventId: randomUUID(),
    type,
    customerId,
    occurredAt,
    metadata: { source: 'e2e' },
    data,
  });
  const events = [
    acquiredEvent(a1),
    acquiredEvent(a2),
    purchasedEvent(a1),
    fact('CustomerFeedbackGiven', a1, '2026-02-10T10:00:00Z', {
      metric: 'nps',
      score: 10,
      channel: 'email',
      surveyId: 'nps-q1',
      comment: 'Lovely',
    }),
    fact('CustomerFeedbackGiven', a2, '2026-02-10T10:00:00Z', {
      metric: 'nps',
      score: 3,
      channel: 'web',
      surveyId: 'nps-q1',
    }),
    fact('CustomerComplaintOpened', a1, '2026-02-11T10:00:00Z', {
      complaintId: 'cmp-1',
      category: 'delivery',
      severity: 'high',
      channel: 'phone',
    }),
    fact('CustomerComplaintResolved', a1, '2026-02-12T10:00:00Z', {
      complaintId: 'cmp-1',
      resolution: 'refund',
      compensation: { minor: 1500, currency: 'EUR' },
      accepted: true,
    }),
    fact('CustomerContacted', a2, '2026-02-11T10:00:00Z', {
      channel: 'phone',
      direction: 'inbound',
      purpose: 'support',
      cost: { minor: 400, currency: 'EUR' },
    }),
  ];
  const profitabilityUrl = '/v1/analytics/profitability?cutoff=2026-03-31&currency=EUR';

  beforeAll(async () => {
    api = await startApi({ PROFIT_MARGIN: '0.5' }, { withWorker: true });
    await request(api.http).post('/v1/events').send({ events }).expect(201);
    await waitForAnswer(
      api.http,
      profitabilityUrl,
      (res) =>
        res.status === 200 && res.body.compensation?.minor === 1500 && res.body.costToServe?.minor === 400,
    );
  }, 60_000);
  afterAll(() => api?.close());

  it('answers satisfaction and complaints from the published facts', async () => {
    const nps = await request(api.http)
      .get('/v1/analytics/satisfaction?from=2026-01-01&to=2026-03-31')
      .expect(200);
    expect(nps.body.total).toMatchObject({ npsResponses: 2, promoters: 1, detractors: 1, nps: 0 });
    const complaints = await request(api.http)
      .get('/v1/analytics/complaints?from=2026-01-01&to=2026-03-31')
      .expect(200);
    expect(complaints.body.total).toMatchObject({ complaints: 1, customers: 2, resolved: 1, p50Hours: 24 });
  });

  it('answers profitability with the contact cost and the compensation published', async () => {
    const res = await request(api.http).get(profitabilityUrl).expect(200);
    expect(res.body).toMatchObject({ margin: 0.5, customers: 2, unprofitable: 2, revenue: { minor: 2599 } });
    expect(res.body.leastProfitable.map((c: { customerId: string }) => c.customerId)).toEqual([a2, a1]);
  });
});

/** Marketing spend (POST /v1/marketing/spend, stream campaign-<campaign>) reaches the campaign answer. */
describe('campaign spend published through POST /v1/marketing/spend', () => {
  let api: ApiHarness;
  const campaign = `autumn-${randomUUID().slice(0, 8)}`;
  const url = '/v1/analytics/campaigns?cutoff=2026-03-31&currency=EUR&predictions=false';

  beforeAll(async () => {
    api = await startApi({ PROFIT_MARGIN: '1' }, { withWorker: true });
    const customer = `m-${randomUUID().slice(0, 8)}`;
    const acquisition = acquiredEvent(customer);
    await request(api.http)
      .post('/v1/events')
      .send({
        events: [
          { ...acquisition, data: { ...acquisition.data, channel: 'paid_search', campaign } },
          purchasedEvent(customer),
        ],
      })
      .expect(201);
    await request(api.http)
      .post('/v1/marketing/spend')
      .send({
        occurredAt: '2026-01-31T08:00:00Z',
        data: {
          campaign,
          channel: 'paid_search',
          periodStart: '2026-01-01',
          periodEnd: '2026-01-31',
          amount: { minor: 2000, currency: 'EUR' },
        },
      })
      .expect(201);
    await waitForAnswer(api.http, url, (res) => {
      const row = res.body.campaigns?.find((c: { campaign: string }) => c.campaign === campaign);
      return res.status === 200 && row?.spend.minor === 2000 && row?.revenue.minor === 2599;
    });
  }, 60_000);
  afterAll(() => api?.close());

  it('answers CAC, ROI and payback of the campaign', async () => {
    const res = await request(api.http).get(url).expect(200);
    // One customer for 20.00: CAC 20.00; revenue 25.99 at margin 1 on 02-01: ROI 5.99 / 20, paid back 31 days
    // after 01-01.
    expect(res.body.campaigns).toEqual([
      expect.objectContaining({
        campaign,
        channel: 'paid_search',
        customersAcquired: 1,
        cac: { minor: 2000, currency: 'EUR', decimal: '20.00' },
        roi: 0.2995,
        paybackDays: 31,
        paybackDay: '2026-02-01',
      }),
    ]);
  });
});
