import type { TestAnalytics } from '../testing/analytics-test-database';
import { ComplaintsQuery } from './complaints.query';
import { customerFactsHistory } from '../testing/customer-facts.history';
import { openProjectedStore } from './query-test.fixture';

/*
 * customerFactsHistory (see the fixture):
 *   k1 d1 delivery opened 01-20 10:00, resolved 01-22 10:00 (48 h); d1 churned 03-15
 *   k2 d2 billing  opened 02-15, never resolved;                    d2 churned 02-28
 *   k3 c1 delivery opened 03-03 10:00, resolved 03-04 22:00 (36 h); c1 stays
 * Customers on the books (active at some time in the month):
 *   Jan p1 p2 d1 (acquired)                                      = 3
 *   Feb p1 p2 d1 (active at the start) + s1 d2 (acquired)         = 5
 *   Mar p1 p2 d1 s1 (d2 churned in Feb) + c1 c2 (acquired)        = 6
 *   Q1  p1 p2 d1 s1 d2 c1 c2                                      = 7
 */
describe('ComplaintsQuery', () => {
  let db: TestAnalytics;
  let query: ComplaintsQuery;
  const Q1 = { from: '2026-01-01', to: '2026-03-31' };

  beforeAll(async () => {
    db = await openProjectedStore('complaints', customerFactsHistory());
    query = new ComplaintsQuery(db.ch);
  });
  afterAll(() => db.drop());

  it('answers complaints per 1,000 customers per month and per quarter', async () => {
    const monthly = await query.complaints(Q1);
    expect(monthly.periods).toEqual([
      { period: '2026-01-01', complaints: 1, customers: 3, per1000Customers: 333.3333 }, // 1 / 3 x 1000
      { period: '2026-02-01', complaints: 1, customers: 5, per1000Customers: 200 },
      { period: '2026-03-01', complaints: 1, customers: 6, per1000Customers: 166.6667 },
    ]);
    const quarterly = await query.complaints({ ...Q1, period: 'quarter' });
    expect(quarterly.periods).toEqual([
      { period: '2026-01-01', complaints: 3, customers: 7, per1000Customers: 428.5714 }, // 3 / 7 x 1000
    ]);
  });

  it('answers the time to resolution, p50 and p90 (resolved ones: 36 h and 48 h)', async () => {
    const { total } = await query.complaints(Q1);
    // Interpolated between 36 and 48: p50 = 36 + 0.5 x 12 = 42, p90 = 36 + 0.9 x 12 = 46.8
    expect(total).toEqual({
      complaints: 3,
      customers: 7,
      per1000Customers: 428.5714,
      opened: 3,
      resolved: 2,
      unresolved: 1,
      p50Hours: 42,
      p90Hours: 46.8,
    });
  });

  it('answers by category, every category listed', async () => {
    const { categories } = await query.complaints(Q1);
    expect(categories.map((c) => c.category)).toEqual([
      'product',
      'delivery',
      'billing',
      'service',
      'staff',
      'website',
      'privacy',
      'other',
    ]);
    const byName = Object.fromEntries(categories.map((c) => [c.category, c]));
    // delivery: k1, k3 -> 2 / 7 x 1000; billing: k2 -> 1 / 7 x 1000, unresolved
    expect(byName.delivery).toMatchObject({
      complaints: 2,
      per1000Customers: 285.7143,
      p50Hours: 42,
      p90Hours: 46.8,
    });
    expect(byName.billing).toMatchObject({
      complaints: 1,
      per1000Customers: 142.8571,
      resolved: 0,
      p50Hours: null,
    });
    expect(byName.product).toMatchObject({ complaints: 0, per1000Customers: 0, p50Hours: null });
  });

  it('answers churn after a complaint, resolved against unresolved', async () => {
    const { churnAfter } = await query.complaints(Q1);
    // resolved: k1 (d1 churned 03-15, after) and k3 (c1 stays); unresolved: k2 (d2 churned 02-28, after)
    expect(churnAfter).toEqual([
      { state: 'resolved', complaints: 2, churned: 1, churnRate: 0.5 },
      { state: 'unresolved', complaints: 1, churned: 1, churnRate: 1 },
    ]);
  });

  it('takes the state at the end of the period', async () => {
    // January alone: k1 resolved (01-22), d1 not churned yet (03-15).
    const january = await query.complaints({ from: '2026-01-01', to: '2026-01-31' });
    expect(january.churnAfter).toEqual([
      { state: 'resolved', complaints: 1, churned: 0, churnRate: 0 },
      { state: 'unresolved', complaints: 0, churned: 0, churnRate: null },
    ]);
    // Up to 03-03: k3 opened that day, resolved only on 03-04.
    const early = await query.complaints({ from: '2026-03-01', to: '2026-03-03' });
    expect(early.total).toMatchObject({ opened: 1, resolved: 0, unresolved: 1, p50Hours: null });
  });

  it.each([
    [{ period: 'year' }, 'period'],
    [{ to: '2026-02-30' }, 'to'],
  ])('refuses %j naming %s', async (params, field) => {
    await expect(query.complaints({ ...Q1, ...params })).rejects.toMatchObject({ field });
  });
});
