import { selectRows } from '../clickhouse/clickhouse-statements';
import type { TestAnalytics } from '../testing/analytics-test-database';
import { ChurnRateQuery } from './churn-rate.query';
import { lifecycleHistory } from './lifecycle-history.fixture';
import { openProjectedStore } from './query-test.fixture';

describe('ChurnRateQuery', () => {
  let db: TestAnalytics;
  let query: ChurnRateQuery;

  beforeAll(async () => {
    db = await openProjectedStore('churn', lifecycleHistory());
    query = new ChurnRateQuery(db.ch);
  });
  afterAll(() => db.drop());

  it('computes active customers, churn and win-backs per month', async () => {
    const answer = await query.byMonth({ from: '2024-11-15', to: '2025-04-30' });
    const table = answer.months.map((m) => [
      m.month,
      m.activeAtStart,
      m.acquired,
      m.churned,
      m.lost,
      m.reactivated,
      m.activeAtEnd,
      m.churnRate,
    ]);
    expect(table).toEqual([
      // month      start acq churned lost back end  rate
      ['2024-11-01', 0, 0, 0, 0, 0, 0, null], // nobody yet: listed with zeros
      ['2024-12-01', 0, 1, 0, 0, 0, 1, null], // a acquired
      ['2025-01-01', 1, 3, 1, 1, 0, 3, 1], // a churns (1/1); h b c acquired -> end h b c
      ['2025-02-01', 3, 3, 1, 1, 0, 5, 0.333333], // h churns (1/3); d e f acquired -> b c d e f
      ['2025-03-01', 5, 3, 1, 0, 2, 9, 0], // g acquired and churned (not in the base); h, a back -> 5 + 3 - 1 + 2
      ['2025-04-01', 9, 1, 1, 1, 0, 9, 0.111111], // a churns again (1/9); j acquired
    ]);
    // 3 lost over 0 + 0 + 1 + 3 + 5 + 9 = 18 customer-months at risk
    expect(answer.averageMonthlyChurnRate).toBe(0.166667);
  });

  it('filters by acquisition channel', async () => {
    const answer = await query.byMonth({
      from: '2025-01-01',
      to: '2025-04-30',
      filter: { channel: 'paid_social' },
    });
    // h f g only: Jan h acquired; Feb h lost (1/1), f acquired; Mar g acquired and churned, h back; Apr f h.
    expect(answer.months.map((m) => [m.activeAtStart, m.lost, m.activeAtEnd, m.churnRate])).toEqual([
      [0, 0, 1, null],
      [1, 1, 1, 1],
      [1, 0, 2, 0],
      [2, 0, 2, 0],
    ]);
  });

  it('agrees with the churn_by_month view', async () => {
    const view = await selectRows<{
      month: string;
      lost: number;
      active_at_start: number;
      churn_rate: number | null;
    }>(
      db.ch.client,
      `SELECT toString(month) AS month, lost, active_at_start, churn_rate
       FROM ${db.database}.churn_by_month(start_date = '2025-01-01', end_date = '2025-04-30')`,
    );
    const answer = await query.byMonth({ from: '2025-01-01', to: '2025-04-30' });
    expect(view).toEqual(
      answer.months.map((m) => ({
        month: m.month,
        lost: m.lost,
        active_at_start: m.activeAtStart,
        churn_rate: m.churnRate,
      })),
    );
  });
});
