import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { ApiHarness, startApi } from '../support/api-harness';
import { acquiredEvent, purchasedEvent } from '../support/event-fixtures';

/**
 * GET /v1/analytics/predictive-ltv over HTTP, on the two defects of issue 14 it had:
 * - one customer in a currency answered 200 with a fit that ran away (r 338891, b 7.7e-16, converged false,
 *   every P(alive) 0): now 422 NOT_ENOUGH_DATA saying why;
 * - the Gamma-Gamma sample was reported as the customers with a repeat purchase, including one whose repeat
 *   purchases are worth 0 and whom the fit leaves out: now gammaGamma.customers is the sample fitted.
 * EUR: twelve histories (weeks from the first purchase; cutoff 2025-06-30) chosen so that both models have a
 * finite maximum: some stop early, some keep buying; plus `zero`, whose one repeat purchase is worth 0.
 */
const run = randomUUID().slice(0, 8);
const id = (name: string) => `${name}-${run}`;
/** [customer, first purchase day, repeat purchases, every n weeks, repeat value in cents] */
const HISTORIES: [string, string, number, number, number][] = [
  ['p1', '2025-01-06', 2, 4, 1000],
  ['p2', '2025-01-06', 0, 1, 0],
  ['p3', '2025-02-03', 1, 17, 3000],
  ['p4', '2025-03-03', 3, 4, 500],
  ['p5', '2025-04-07', 0, 1, 0],
  ['p6', '2025-01-13', 1, 1, 1500],
  ['p7', '2025-05-05', 1, 8, 250],
  ['q1', '2025-01-06', 3, 1, 800],
  ['q2', '2025-01-06', 2, 1, 1200],
  ['q3', '2025-02-03', 4, 1, 600],
  ['s1', '2025-01-06', 12, 2, 1100],
  ['s2', '2025-02-03', 10, 2, 900],
  ['zero', '2025-02-03', 1, 4, 0],
];
const day = (first: string, weeks: number) =>
  new Date(Date.parse(`${first}T12:00:00Z`) + weeks * 7 * 86_400_000).toISOString();
const buy = (customer: string, at: string, minor: number, currency: string) =>
  purchasedEvent(customer, {
    occurredAt: at,
    data: { orderId: `o-${randomUUID().slice(0, 8)}`, amount: { minor, currency } },
  });

describe('GET /v1/analytics/predictive-ltv: when the data cannot support a model, and the spend sample', () => {
  let api: ApiHarness;

  beforeAll(async () => {
    api = await startApi({}, { withWorker: true });
    const events: object[] = [];
    for (const [name, first, repeats, every, minor] of HISTORIES) {
      events.push(acquiredEvent(id(name), { occurredAt: '2025-01-01T08:00:00Z' }));
      events.push(buy(id(name), `${first}T12:00:00Z`, 1000, 'EUR'));
      for (let i = 1; i <= repeats; i++) events.push(buy(id(name), day(first, i * every), minor, 'EUR'));
    }
    // GBP: one customer with three purchases, the defect's case.
    events.push(acquiredEvent(id('g1'), { occurredAt: '2025-01-01T08:00:00Z' }));
    for (const [on, minor] of [
      ['2025-01-06', 1000],
      ['2025-02-03', 2000],
      ['2025-03-03', 1500],
    ] as const) {
      events.push(buy(id('g1'), `${on}T12:00:00Z`, minor, 'GBP'));
    }
    await request(api.http).post('/v1/events').send({ events }).expect(201);
    // The projection is asynchronous: wait (bounded) until the analytics store has every purchase.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const res = await request(api.http).get('/v1/analytics/rfm?cutoff=2025-06-30&currency=GBP');
      if (res.status === 200 && res.body.revenue?.minor === 4500) {
        const eur = await request(api.http).get('/v1/analytics/rfm?cutoff=2025-06-30&currency=EUR');
        if (eur.body.customers === HISTORIES.length) break;
      }
      if (Date.now() > deadline) throw new Error(`analytics never caught up: ${res.status}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }, 60_000);
  afterAll(() => api?.close());

  it('answers 422 NOT_ENOUGH_DATA for a currency with one customer, and says why', async () => {
    const res = await request(api.http)
      .get('/v1/analytics/predictive-ltv?cutoff=2025-06-30&currency=GBP')
      .expect(422);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 422, code: 'NOT_ENOUGH_DATA' });
    expect(res.body.detail).toMatch(/1 customer\(s\) bought by the cutoff; the CLV models need at least 5/);
    // The holdout report stands on the same model: refused the same way.
    await request(api.http)
      .get('/v1/analytics/predictive-ltv/holdout?cutoff=2025-06-30&currency=GBP&holdoutEnd=2025-09-30')
      .expect(422);
  });

  it('fits a converged model on enough data and reports the Gamma-Gamma sample it used', async () => {
    const res = await request(api.http)
      .get('/v1/analytics/predictive-ltv?cutoff=2025-06-30&currency=EUR&limit=20')
      .expect(200);
    const { model } = res.body;
    expect(model).toMatchObject({ customers: 13, repeatCustomers: 11 });
    // `zero` bought again, for 0: a repeat customer, not in the spend sample.
    expect(model.gammaGamma.customers).toBe(10);
    expect(model.bgNbd.converged && model.gammaGamma.converged).toBe(true);
    const pAlive = res.body.customers.map((c: { pAlive: number }) => c.pAlive);
    expect(pAlive.every((p: number) => p > 0 && p <= 1)).toBe(true);
  });
});
