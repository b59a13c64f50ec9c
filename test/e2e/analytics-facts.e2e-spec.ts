import { ANALYTICS_CLIENT, AnalyticsProjector, type AnalyticsClient } from '@crm/analytics';
import { customerFactsHistory } from '@crm/analytics/testing';
import request from 'supertest';
import { ApiHarness, startApi } from '../support/api-harness';

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
    const deadline = Date.now() + 30_000;
    while ((await request(api.http).get('/v1/analytics/complaints')).status !== 200) {
      if (Date.now() > deadline) throw new Error('analytics schema never became ready');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
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
