import { selectRows } from '../clickhouse/clickhouse-statements';
import type { TestAnalytics } from '../testing/analytics-test-database';
import { RecordedHistoryBuilder } from '../testing/recorded-history.builder';
import { CohortsQuery } from './cohorts.query';
import { openProjectedStore } from './query-test.fixture';

/*
 * Cohorts as of 2025-03-31, EUR (country IT marked *):
 *   January: p* (01-03) q (01-10) r (01-20) s (01-25)      February: t* (02-02) u (02-14)      March: v* (03-30)
 *   p buys 1000 + 500 in Jan, 2000 in Feb, 300 in Mar;  q buys 700 in Jan and 900 USD in Mar;  r 1500 in Feb;
 *   s never;  t 400 in Feb (and 999 on 04-02, after the cutoff);  u 600 in Mar;  v never;  w acquired 04-01 (out).
 */
function history() {
  const it = { profile: { country: 'IT' } };
  return new RecordedHistoryBuilder('cohorts')
    .acquired('p', '2025-01-03T10:00:00Z', it)
    .purchased('p', '2025-01-05T10:00:00Z', { minor: 1000 })
    .acquired('q', '2025-01-10T10:00:00Z')
    .purchased('q', '2025-01-11T10:00:00Z', { minor: 700 })
    .acquired('r', '2025-01-20T10:00:00Z')
    .purchased('p', '2025-01-20T10:00:00Z', { minor: 500 })
    .acquired('s', '2025-01-25T10:00:00Z')
    .acquired('t', '2025-02-02T10:00:00Z', it)
    .purchased('t', '2025-02-03T10:00:00Z', { minor: 400 })
    .purchased('p', '2025-02-10T10:00:00Z', { minor: 2000 })
    .acquired('u', '2025-02-14T10:00:00Z')
    .purchased('r', '2025-02-28T23:59:59Z', { minor: 1500 })
    .purchased('u', '2025-03-01T00:00:00Z', { minor: 600 })
    .purchased('p', '2025-03-03T10:00:00Z', { minor: 300 })
    .purchased('q', '2025-03-15T10:00:00Z', { minor: 900, currency: 'USD' })
    .acquired('v', '2025-03-30T10:00:00Z', it)
    .acquired('w', '2025-04-01T10:00:00Z')
    .purchased('t', '2025-04-02T10:00:00Z', { minor: 999 }).events;
}

describe('CohortsQuery', () => {
  let db: TestAnalytics;
  let query: CohortsQuery;

  beforeAll(async () => {
    db = await openProjectedStore('cohorts', history());
    query = new CohortsQuery(db.ch);
  });
  afterAll(() => db.drop());

  it('builds the retention and revenue matrices of each monthly cohort', async () => {
    const answer = await query.matrix({ cutoff: '2025-03-31', currency: 'EUR' });
    expect(answer.cohorts).toEqual([
      {
        cohortMonth: '2025-01-01',
        customers: 4, // p q r s
        activeCustomers: [2, 2, 2], // Jan p q; Feb p r; Mar p q (q in USD still counts as buying)
        retentionRate: [0.5, 0.5, 0.5],
        orders: [3, 2, 1], // EUR orders: Jan p p q; Feb p r; Mar p
        revenueMinor: [2200, 3500, 300], // 1000 + 500 + 700; 2000 + 1500; 300 (q's USD left out)
        cumulativeRevenueMinor: [2200, 5700, 6000],
      },
      {
        cohortMonth: '2025-02-01',
        customers: 2, // t u
        activeCustomers: [1, 1], // Feb t; Mar u
        retentionRate: [0.5, 0.5],
        orders: [1, 1],
        revenueMinor: [400, 600],
        cumulativeRevenueMinor: [400, 1000],
      },
      {
        cohortMonth: '2025-03-01',
        customers: 1, // v
        activeCustomers: [0],
        retentionRate: [0],
        orders: [0],
        revenueMinor: [0],
        cumulativeRevenueMinor: [0],
      },
    ]);
  });

  it('filters by country', async () => {
    const answer = await query.matrix({ cutoff: '2025-03-31', currency: 'EUR', filter: { country: 'IT' } });
    expect(
      answer.cohorts.map((c) => [c.cohortMonth, c.customers, c.activeCustomers, c.revenueMinor]),
    ).toEqual([
      ['2025-01-01', 1, [1, 1, 1], [1500, 2000, 300]], // p
      ['2025-02-01', 1, [1, 0], [400, 0]], // t
      ['2025-03-01', 1, [0], [0]], // v
    ]);
  });

  it('agrees with the cohort_retention view', async () => {
    const view = await selectRows<{
      cohort_month: string;
      retention_rate: number;
      cumulative_revenue_minor: number;
    }>(
      db.ch.client,
      `SELECT toString(cohort_month) AS cohort_month, retention_rate, cumulative_revenue_minor
       FROM ${db.database}.cohort_retention(cutoff = '2025-03-31', currency = 'EUR')
       ORDER BY cohort_month, month_offset`,
    );
    const answer = await query.matrix({ cutoff: '2025-03-31', currency: 'EUR' });
    expect(view).toEqual(
      answer.cohorts.flatMap((c) =>
        c.retentionRate.map((rate, i) => ({
          cohort_month: c.cohortMonth,
          retention_rate: rate,
          cumulative_revenue_minor: c.cumulativeRevenueMinor[i],
        })),
      ),
    );
  });
});
