import { selectRows } from '../clickhouse/clickhouse-statements';
import type { TestAnalytics } from '../testing/analytics-test-database';
import { InvalidAnalyticsParameterError } from './analytics-query.errors';
import { lifecycleHistory } from './lifecycle-history.fixture';
import { LifecycleFunnelQuery } from './lifecycle-funnel.query';
import { openProjectedStore } from './query-test.fixture';

describe('LifecycleFunnelQuery', () => {
  let db: TestAnalytics;
  let query: LifecycleFunnelQuery;

  beforeAll(async () => {
    db = await openProjectedStore('funnel', lifecycleHistory());
    query = new LifecycleFunnelQuery(db.ch);
  });
  afterAll(() => db.drop());

  it('counts each stage of the customers acquired in Q1 2025, as of its end', async () => {
    const answer = await query.funnel({ from: '2025-01-01', to: '2025-03-31' });
    // acquired in Q1: h b c d e f g i k = 9 (a in December, j in April are out)
    // active (own action by 03-31): d (inbound contact) e f g h (purchases) i (referral) = 6; k bought in April
    // purchasing: e f g h = 4; repeat: f (02-11, 03-11) and h (01-06, 03-05) = 2
    // churned: g h = 2; reactivated: h = 1; still churned at the end: g = 1
    expect(answer.stages.map((s) => [s.stage, s.customers, s.conversion])).toEqual([
      ['acquired', 9, null],
      ['active', 6, 0.666667], // 6 / 9
      ['purchasing', 4, 0.666667], // 4 / 6
      ['repeat', 2, 0.5], // 2 / 4
      ['churned', 2, 0.222222], // 2 / 9
      ['reactivated', 1, 0.5], // 1 / 2
    ]);
    expect(answer.stages[3].shareOfAcquired).toBe(0.222222); // 2 / 9
    expect(answer.churnedAtEnd).toBe(1);
  });

  it('answers as of the end of the period, ignoring what came later', async () => {
    const answer = await query.funnel({ from: '2025-01-01', to: '2025-02-28' });
    // acquired h b c d e f = 6; active h d e f = 4; purchasing h e f = 3; repeat: none yet (second
    // purchases of f and h are in March); churned: h (02-01) = 1, not back yet.
    expect(answer.stages.map((s) => s.customers)).toEqual([6, 4, 3, 0, 1, 0]);
    expect(answer.churnedAtEnd).toBe(1);
  });

  it('filters by acquisition channel', async () => {
    const answer = await query.funnel({
      from: '2025-01-01',
      to: '2025-03-31',
      filter: { channel: 'paid_social' },
    });
    // f g h: all three bought; f and h twice; g and h churned; h came back.
    expect(answer.stages.map((s) => s.customers)).toEqual([3, 3, 3, 2, 2, 1]);
  });

  it('agrees with the lifecycle_funnel view', async () => {
    const [view] = await selectRows<Record<string, number>>(
      db.ch.client,
      `SELECT * FROM ${db.database}.lifecycle_funnel(start_date = '2025-01-01', end_date = '2025-03-31')`,
    );
    expect(view).toEqual({
      acquired: 9,
      active: 6,
      purchasing: 4,
      repeat: 2,
      churned: 2,
      reactivated: 1,
      churned_at_end: 1,
    });
  });

  it('refuses a period that ends before it starts', async () => {
    await expect(query.funnel({ from: '2025-03-01', to: '2025-02-01' })).rejects.toBeInstanceOf(
      InvalidAnalyticsParameterError,
    );
  });
});
