import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { selectRows } from '../clickhouse/clickhouse-statements';
import { splitSqlStatements } from '../migrations/sql-statements';
import type { TestAnalytics } from '../testing/analytics-test-database';
import { lifecycleHistory } from './lifecycle-history.fixture';
import { openProjectedStore } from './query-test.fixture';

/** Every SQL example of docs/analytics.md, as analysts will paste it (database `crm` renamed to the suite's). */
function documentedStatements(): string[] {
  const doc = readFileSync(join(__dirname, '../../../../docs/analytics.md'), 'utf8');
  const blocks = [...doc.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks.flatMap((block) => splitSqlStatements(block));
}

describe('docs/analytics.md SQL examples', () => {
  let db: TestAnalytics;
  const statements = documentedStatements();

  beforeAll(async () => {
    db = await openProjectedStore('docs', lifecycleHistory());
  });
  afterAll(() => db.drop());

  it('documents an example for each answer', () => {
    const views = [
      'rfm_segments',
      'rfm_customers',
      'lifecycle_funnel',
      'lifecycle_customers',
      'churn_by_month',
      'churn_customer_months',
      'cohort_retention',
      'ltv_summary',
      'customer_ltv',
      'clv_models',
      'clv_predictions',
      'clv_summary',
      'portfolio_customers',
      'promoter_referrers',
      'best_customer_profile',
      'purchase_timing',
      'category_seasonality',
      'feedback_answers',
      'nps_customer_classes',
      'complaint_outcomes',
      'campaign_performance',
      'customer_profitability',
      'portfolio_profitability',
    ];
    for (const view of views) expect(statements.some((s) => s.includes(`crm.${view}`))).toBe(true);
  });

  it('runs every example on the engine', async () => {
    for (const statement of statements) {
      const sql = statement.replace(/\bcrm\./g, `${db.database}.`).replace(/'<model_id>'/g, "'none'");
      await expect(selectRows(db.ch.client, sql)).resolves.toBeInstanceOf(Array);
    }
  });
});
