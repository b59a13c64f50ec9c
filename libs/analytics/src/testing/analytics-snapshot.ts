import type { AnalyticsClient } from '../clickhouse/analytics-client.factory';
import { selectRows } from '../clickhouse/clickhouse-statements';

/**
 * Everything an analyst can read, as one comparable value: the three tables (FINAL, without write times) and
 * every view with the given parameters. Two stores holding the same events must give equal snapshots,
 * however the events got there (redelivered, replayed, re-applied after a crash).
 */
export async function analyticsSnapshot(
  ch: AnalyticsClient,
  params: { cutoff: string; start: string; currency: string },
): Promise<Record<string, unknown[]>> {
  const db = ch.database;
  const p = { cutoff: params.cutoff, start: params.start, currency: params.currency };
  const period = 'start_date = {start:Date}, end_date = {cutoff:Date}';
  const asOf = 'cutoff = {cutoff:Date}, currency = {currency:String}';
  const queries: Record<string, string> = {
    events: `SELECT * EXCEPT projected_at FROM ${db}.events FINAL ORDER BY event_id`,
    customers: `SELECT * EXCEPT updated_at FROM ${db}.customers FINAL ORDER BY customer_id`,
    customerDaily: `SELECT * FROM ${db}.customer_daily FINAL ORDER BY customer_id, currency, day`,
    rfmCustomers: `SELECT * FROM ${db}.rfm_customers(${asOf}) ORDER BY customer_id`,
    rfmSegments: `SELECT * FROM ${db}.rfm_segments(${asOf}) ORDER BY segment`,
    funnel: `SELECT * FROM ${db}.lifecycle_funnel(${period})`,
    churn: `SELECT * FROM ${db}.churn_by_month(${period}) ORDER BY month`,
    cohorts: `SELECT * FROM ${db}.cohort_retention(${asOf}) ORDER BY cohort_month, month_offset`,
    ltv: `SELECT * FROM ${db}.customer_ltv(${asOf}) ORDER BY customer_id`,
    best: `SELECT * FROM ${db}.best_customer_profile(${asOf}) ORDER BY attribute, value`,
    promoters: `SELECT * FROM ${db}.promoter_referrers(${period}, currency = {currency:String}) ORDER BY referrer_id`,
    timing: `SELECT * FROM ${db}.purchase_timing(${period}, currency = {currency:String}) ORDER BY dimension, bucket`,
    seasonality: `SELECT * FROM ${db}.category_seasonality(${period}, currency = {currency:String}) ORDER BY category, month`,
    clvSummary: `SELECT * FROM ${db}.clv_summary(${asOf}) ORDER BY customer_id`,
  };
  const snapshot: Record<string, unknown[]> = {};
  for (const [name, query] of Object.entries(queries)) snapshot[name] = await selectRows(ch.client, query, p);
  return snapshot;
}
