import type { TestAnalytics } from '../testing/analytics-test-database';
import { customerFactsHistory, FACTS_ECONOMICS } from '../testing/customer-facts.history';
import { CustomerProfitabilityQuery } from './customer-profitability.query';
import { openProjectedStore } from './query-test.fixture';

/*
 * customerFactsHistory as of 2026-03-31 in EUR; margin 0.8; table: e-mail 0.05, call 4.00.
 *   profit = revenue x 0.8 - cost to serve - compensation
 *   p1  150.00 x 0.8 = 120.00 - 0.05 (e-mail, table)                        = 119.95
 *   s1   30.00 x 0.8 =  24.00                                                =  24.00
 *   c1   40.00 x 0.8 =  32.00 (k3 resolved without compensation)             =  32.00
 *   p2   20.00 x 0.8 =  16.00                                                =  16.00
 *   c2    0          - 0 (its e-mail cost 0.50 USD: counted in USD answers)  =   0.00
 *   d1   10.00 x 0.8 =   8.00 - 6.00 (its call's own cost) - 5.00 (k1)      =  -3.00
 *   d2    0          - 4.00 (call, table)                                    =  -4.00
 * Totals: revenue 250.00, margin 200.00, cost to serve 10.05, compensation 5.00, profit 184.95; 2 unprofitable.
 */
describe('CustomerProfitabilityQuery', () => {
  let db: TestAnalytics;
  let query: CustomerProfitabilityQuery;

  beforeAll(async () => {
    db = await openProjectedStore('profitability', customerFactsHistory());
    query = new CustomerProfitabilityQuery(db.ch, FACTS_ECONOMICS);
  });
  afterAll(() => db.drop());

  it('answers revenue x margin - cost to serve - compensation, least profitable first', async () => {
    const answer = await query.profitability({ cutoff: '2026-03-31', currency: 'EUR', limit: 3 });
    expect(answer).toMatchObject({
      margin: 0.8,
      costToServeTable: { email: 5, phone: 400 },
      customers: 7,
      unprofitable: 2,
      revenue: { minor: 25_000 },
      grossMargin: { minor: 20_000 },
      costToServe: { minor: 1_005 },
      compensation: { minor: 500 },
      profit: { minor: 18_495, decimal: '184.95' },
    });
    expect(answer.leastProfitable.map((c) => [c.customerId, c.profit.minor])).toEqual([
      ['d2', -400],
      ['d1', -300],
      ['c2', 0],
    ]);
    expect(answer.leastProfitable[1]).toMatchObject({
      revenue: { minor: 1_000 },
      grossMargin: { minor: 800 },
      contacts: 1,
      costToServe: { minor: 600 },
      compensation: { minor: 500 },
      stage: 'churned',
    });
  });

  it('applies the table only in its own currency, and a contact cost only in its', async () => {
    // USD: nobody bought in USD; c2's e-mail cost 0.50 USD counts; the EUR table and d1's EUR costs do not.
    const answer = await query.profitability({ cutoff: '2026-03-31', currency: 'USD' });
    expect(answer).toMatchObject({
      costToServeTable: {},
      unprofitable: 1,
      costToServe: { minor: 50, currency: 'USD' },
      profit: { minor: -50 },
    });
    expect(answer.leastProfitable[0]).toMatchObject({ customerId: 'c2', profit: { minor: -50 } });
  });

  it('as of an earlier cutoff: only what had happened', async () => {
    // 01-31: p1 100.00 x 0.8 - 0.05; p2 16.00; d1 8.00 - 6.00 - 5.00 = -3.00 (its call was 01-21, k1 01-22)
    const answer = await query.profitability({ cutoff: '2026-01-31', currency: 'EUR' });
    expect(answer).toMatchObject({ customers: 3, unprofitable: 1, profit: { minor: 7_995 + 1_600 - 300 } });
  });

  it.each([
    [{ limit: 0 }, 'limit'],
    [{ cutoff: '26-01-01' }, 'cutoff'],
  ])('refuses %j naming %s', async (params, field) => {
    await expect(
      query.profitability({ cutoff: '2026-03-31', currency: 'EUR', ...params }),
    ).rejects.toMatchObject({ field });
  });
});
