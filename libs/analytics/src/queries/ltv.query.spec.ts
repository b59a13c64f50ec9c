import { selectRows } from '../clickhouse/clickhouse-statements';
import type { TestAnalytics } from '../testing/analytics-test-database';
import { RecordedHistoryBuilder } from '../testing/recorded-history.builder';
import { InvalidAnalyticsParameterError } from './analytics-query.errors';
import { LtvQuery } from './ltv.query';
import { openProjectedStore } from './query-test.fixture';

/*
 * As of 2025-06-30 in EUR:
 *   c1 paid_search IT 01-10: 1000 (01-12) + 3000 (06-20) = 4000    c2 paid_search FR 01-20: 500 (01-25)
 *   c3 organic IT 02-05: 2000 (02-06)                              c4 organic IT 02-10: nothing -> 0
 *   c5 organic 03-01: 900 USD only -> not comparable, left out     c6 referral FR 03-15: 1500 (03-16) + 100 USD
 *   c7 acquired 07-02 -> after the cutoff                         c8 organic IT 01-15: 700 on 07-05 -> 0 by the cutoff
 * RFM of the 4 EUR buyers (score = 1 + floor(5 * (rank - 1) / 4): ranks 1..4 -> 1, 2, 3, 4):
 *   recency (days, oldest first) c2 156 -> 1, c3 144 -> 2, c6 106 -> 3, c1 10 -> 4
 *   frequency: c2 c3 c6 tie at 1 order (rank 1) -> 1, c1 2 orders -> 4
 *   monetary: c2 500 -> 1, c6 1500 -> 2, c3 2000 -> 3, c1 4000 -> 4
 *   fm = round half up of (f + m) / 2: c2 1, c3 2, c6 2, c1 4
 *   -> c2 (1,1) Lost; c3 (2,2) About to Sleep; c6 (3,2) Need Attention; c1 (4,4) Champions
 */
function history() {
  return new RecordedHistoryBuilder('ltv')
    .acquired('c1', '2025-01-10T10:00:00Z', { channel: 'paid_search', profile: { country: 'IT' } })
    .purchased('c1', '2025-01-12T10:00:00Z', { minor: 1000 })
    .acquired('c8', '2025-01-15T10:00:00Z', { profile: { country: 'IT' } })
    .acquired('c2', '2025-01-20T10:00:00Z', { channel: 'paid_search', profile: { country: 'FR' } })
    .purchased('c2', '2025-01-25T10:00:00Z', { minor: 500 })
    .acquired('c3', '2025-02-05T10:00:00Z', { profile: { country: 'IT' } })
    .purchased('c3', '2025-02-06T10:00:00Z', { minor: 2000 })
    .acquired('c4', '2025-02-10T10:00:00Z', { profile: { country: 'IT' } })
    .acquired('c5', '2025-03-01T10:00:00Z')
    .purchased('c5', '2025-03-02T10:00:00Z', { minor: 900, currency: 'USD' })
    .acquired('c6', '2025-03-15T10:00:00Z', {
      channel: 'referral',
      referredBy: 'c1',
      profile: { country: 'FR' },
    })
    .purchased('c6', '2025-03-16T10:00:00Z', { minor: 1500 })
    .purchased('c6', '2025-03-17T10:00:00Z', { minor: 100, currency: 'USD' })
    .purchased('c1', '2025-06-20T10:00:00Z', { minor: 3000 })
    .acquired('c7', '2025-07-02T10:00:00Z', { channel: 'paid_search', profile: { country: 'IT' } })
    .purchased('c8', '2025-07-05T10:00:00Z', { minor: 700 }).events;
}

const AS_OF = { cutoff: '2025-06-30', currency: 'EUR' };
const table = (
  groups: readonly {
    value: string;
    customers: number;
    buyers: number;
    revenue: { minor: number };
    averageLtv: { minor: number };
  }[],
) => groups.map((g) => [g.value, g.customers, g.buyers, g.revenue.minor, g.averageLtv.minor]);

describe('LtvQuery', () => {
  let db: TestAnalytics;
  let ltv: LtvQuery;

  beforeAll(async () => {
    db = await openProjectedStore('ltv', history());
    ltv = new LtvQuery(db.ch);
  });
  afterAll(() => db.drop());

  it('lists every comparable customer with their value so far, best first', async () => {
    const customers = await ltv.customers(AS_OF);
    expect(customers.map((c) => [c.customerId, c.ltv.minor, c.orders, c.segment])).toEqual([
      ['c1', 4000, 2, 'Champions'],
      ['c3', 2000, 1, 'About to Sleep'],
      ['c6', 1500, 1, 'Need Attention'],
      ['c2', 500, 1, 'Lost'],
      ['c4', 0, 0, 'No Purchases'],
      ['c8', 0, 0, 'No Purchases'],
    ]);
    expect(customers[0]).toMatchObject({
      acquiredAt: '2025-01-10T10:00:00.000Z',
      cohortMonth: '2025-01-01',
      firstPurchaseDay: '2025-01-12',
      lastPurchaseDay: '2025-06-20',
      tenureDays: 171, // 2025-01-10 -> 2025-06-30
      ltv: { minor: 4000, currency: 'EUR', decimal: '40.00' },
    });
    expect(customers[4].firstPurchaseDay).toBeNull();
  });

  it('aggregates by acquisition channel', async () => {
    const answer = await ltv.grouped({ ...AS_OF, groupBy: 'channel' });
    expect(table(answer.groups)).toEqual([
      ['paid_search', 2, 2, 4500, 2250], // c1 + c2
      ['organic', 3, 1, 2000, 667], // c3 c4 c8: 2000 / 3 = 666.67 -> 667
      ['referral', 1, 1, 1500, 1500], // c6
    ]);
    expect(answer.customers).toBe(6);
    expect(answer.revenue.minor).toBe(8000);
    expect(answer.averageLtv?.minor).toBe(1333); // 8000 / 6 = 1333.33
  });

  it('aggregates by cohort, country and segment', async () => {
    const byCohort = await ltv.grouped({ ...AS_OF, groupBy: 'cohort' });
    expect(table(byCohort.groups)).toEqual([
      ['2025-01-01', 3, 2, 4500, 1500], // c1 c2 c8
      ['2025-02-01', 2, 1, 2000, 1000], // c3 c4
      ['2025-03-01', 1, 1, 1500, 1500], // c6
    ]);
    const byCountry = await ltv.grouped({ ...AS_OF, groupBy: 'country' });
    expect(table(byCountry.groups)).toEqual([
      ['IT', 4, 2, 6000, 1500], // c1 c3 c4 c8
      ['FR', 2, 2, 2000, 1000], // c2 c6
    ]);
    const bySegment = await ltv.grouped({ ...AS_OF, groupBy: 'segment' });
    expect(table(bySegment.groups)).toEqual([
      ['Champions', 1, 1, 4000, 4000],
      ['About to Sleep', 1, 1, 2000, 2000],
      ['Need Attention', 1, 1, 1500, 1500],
      ['Lost', 1, 1, 500, 500],
      ['No Purchases', 2, 0, 0, 0],
    ]);
  });

  it('filters before grouping', async () => {
    const answer = await ltv.grouped({ ...AS_OF, groupBy: 'channel', filter: { country: 'IT' } });
    expect(table(answer.groups)).toEqual([
      ['paid_search', 1, 1, 4000, 4000], // c1
      ['organic', 3, 1, 2000, 667], // c3 c4 c8
    ]);
  });

  it('agrees with the ltv_summary view', async () => {
    const view = await selectRows<{ value: string; customers: number; revenue_total_minor: number }>(
      db.ch.client,
      `SELECT value, customers, revenue_total_minor
       FROM ${db.database}.ltv_summary(cutoff = '2025-06-30', currency = 'EUR')
       WHERE dimension = 'acquisition_channel' ORDER BY revenue_total_minor DESC`,
    );
    expect(view).toEqual([
      { value: 'paid_search', customers: 2, revenue_total_minor: 4500 },
      { value: 'organic', customers: 3, revenue_total_minor: 2000 },
      { value: 'referral', customers: 1, revenue_total_minor: 1500 },
    ]);
  });

  it('refuses an unknown grouping', async () => {
    await expect(ltv.grouped({ ...AS_OF, groupBy: 'planet' })).rejects.toMatchObject({
      field: 'groupBy',
      constructor: InvalidAnalyticsParameterError,
    });
  });
});
