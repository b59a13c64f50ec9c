import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { ApiHarness, startApi } from '../support/api-harness';
import { acquiredEvent, purchasedEvent } from '../support/event-fixtures';
import { waitForAnswer } from '../support/pipeline-checks';

/**
 * Events published through the API reach the analytics store through the bus and the analytics projector,
 * and the answers are read back over HTTP.
 *   e1 acquired 01-05, buys 20.00 (01-10) and 30.00 (03-20); e2 acquired 01-06, buys 10.00 (02-01); e3 acquired 01-07.
 * RFM as of 2026-03-31 in EUR, two buyers: score = 1 + floor(5 * (rank - 1) / 2) -> rank 1: 1, rank 2: 3.
 *   e2: recency 58 days, 1 order, 10.00 -> r1 f1 m1, fm 1 -> Lost
 *   e1: recency 11 days, 2 orders, 50.00 -> r3 f3 m3, fm 3 -> Need Attention
 */
describe('GET /v1/analytics', () => {
  let api: ApiHarness;
  const [e1, e2, e3] = ['e1', 'e2', 'e3'].map((c) => `${c}-${randomUUID().slice(0, 8)}`);
  const eur = (minor: number) => ({
    orderId: `o-${randomUUID().slice(0, 8)}`,
    amount: { minor, currency: 'EUR' },
  });
  const events = [
    acquiredEvent(e1, { occurredAt: '2026-01-05T09:00:00Z' }),
    acquiredEvent(e2, { occurredAt: '2026-01-06T09:00:00Z' }),
    acquiredEvent(e3, { occurredAt: '2026-01-07T09:00:00Z' }),
    purchasedEvent(e1, { occurredAt: '2026-01-10T12:00:00Z', data: eur(2000) }),
    purchasedEvent(e2, { occurredAt: '2026-02-01T12:00:00Z', data: eur(1000) }),
    purchasedEvent(e1, { occurredAt: '2026-03-20T12:00:00Z', data: eur(3000) }),
  ];
  const rfmUrl = '/v1/analytics/rfm?cutoff=2026-03-31&currency=EUR';

  beforeAll(async () => {
    api = await startApi({}, { withWorker: true });
    await request(api.http).post('/v1/events').send({ events }).expect(201);
    // The projection is asynchronous: wait (bounded) until every purchase is counted.
    await waitForAnswer(api.http, rfmUrl, (res) => res.status === 200 && res.body.revenue?.minor === 6000);
  }, 60_000);
  afterAll(() => api?.close());

  it('answers RFM segments with money in minor units and decimals, per currency', async () => {
    const res = await request(api.http).get(rfmUrl).expect(200);
    expect(res.body).toMatchObject({ cutoff: '2026-03-31', currency: 'EUR', customers: 2 });
    expect(res.body.revenue).toEqual({ minor: 6000, currency: 'EUR', decimal: '60.00' });
    const present = res.body.segments
      .filter((s: { customers: number }) => s.customers > 0)
      .map((s: { segment: string; revenue: { minor: number } }) => [s.segment, s.revenue.minor]);
    expect(present).toEqual([
      ['Need Attention', 5000],
      ['Lost', 1000],
    ]);
    expect(res.body.segments).toHaveLength(11);
  });

  it('answers the lifecycle funnel of the period', async () => {
    const res = await request(api.http)
      .get('/v1/analytics/lifecycle/funnel?from=2026-01-01&to=2026-03-31')
      .expect(200);
    // acquired e1 e2 e3; active and purchasing e1 e2; repeat e1
    expect(res.body.stages.map((s: { customers: number }) => s.customers)).toEqual([3, 2, 2, 1, 0, 0]);
  });

  it('answers historical LTV per channel', async () => {
    const res = await request(api.http)
      .get('/v1/analytics/ltv?cutoff=2026-03-31&currency=EUR&groupBy=country')
      .expect(200);
    // the fixture acquires everyone in IT: 3 customers, 60.00, 20.00 each on average
    expect(res.body.groups).toEqual([
      expect.objectContaining({
        value: 'IT',
        customers: 3,
        buyers: 2,
        averageLtv: { minor: 2000, currency: 'EUR', decimal: '20.00' },
      }),
    ]);
  });

  it('answers 422 NOT_ENOUGH_DATA when no model can be fitted in the currency', async () => {
    const res = await request(api.http)
      .get('/v1/analytics/predictive-ltv?cutoff=2026-03-31&currency=USD')
      .expect(422);
    expect(res.body).toMatchObject({ status: 422, code: 'NOT_ENOUGH_DATA' });
  });

  it.each([
    ['/v1/analytics/rfm?cutoff=2026-13-01&currency=EUR', '$query.cutoff', 'INVALID_FIELD'],
    ['/v1/analytics/rfm?cutoff=2026-03-31', '$query.currency', 'REQUIRED_FIELD'],
    ['/v1/analytics/rfm?currency=EUR&currency=USD', '$query.currency', 'INVALID_FIELD'],
    ['/v1/analytics/ltv?currency=EUR&groupBy=planet', '$query.groupBy', 'INVALID_FIELD'],
    ['/v1/analytics/lifecycle/churn?from=2026-03-01&to=2026-01-01', '$query.from', 'INVALID_FIELD'],
    ['/v1/analytics/cohorts?currency=EUR&channel=tv', '$query.channel', 'INVALID_FIELD'],
    ['/v1/analytics/predictive-ltv/holdout?currency=EUR', '$query.holdoutEnd', 'REQUIRED_FIELD'],
    ['/v1/analytics/portfolio?currency=EUR&pAliveThreshold=2', '$query.pAliveThreshold', 'INVALID_FIELD'],
  ])('refuses %s as a problem naming the parameter', async (url, path, code) => {
    const res = await request(api.http).get(url).expect(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', errors: [{ path, code }] });
  });
});
