import type { AnalyticsClient } from '../clickhouse/analytics-client.factory';
import { selectRows } from '../clickhouse/clickhouse-statements';

/** A customer as the CLV models see them (views clv_summary / clv_holdout): times in weeks. */
export interface ClvSummaryRow {
  readonly customerId: string;
  readonly x: number;
  readonly tx: number;
  readonly T: number;
  readonly revenueMinor: number;
  /** Mean value of the repeat transactions, minor units (0 when x = 0). */
  readonly meanRepeatMinor: number;
}

export interface ClvHoldoutRow extends ClvSummaryRow {
  /** Transactions (purchase days) after the cutoff, up to the end of the holdout period. */
  readonly xHoldout: number;
  readonly holdoutWeeks: number;
}

type Compact = [string, number, number, number, number, number];

/** Reads the per-customer summary the CLV models are fitted on, computed in ClickHouse. */
export class ClvSummaryQuery {
  constructor(private readonly ch: AnalyticsClient) {}

  async summary(cutoff: string, currency: string): Promise<ClvSummaryRow[]> {
    // JSONCompactEachRow: one small array per customer, the summary of a large base stays cheap to ship.
    const result = await this.ch.client.query({
      query: `SELECT customer_id, x, t_x, T, revenue_minor, mean_repeat_minor
              FROM ${this.ch.database}.clv_summary(cutoff = {cutoff:Date}, currency = {currency:String})
              ORDER BY customer_id`,
      format: 'JSONCompactEachRow',
      query_params: { cutoff, currency },
    });
    return (await result.json<Compact>()).map(([customerId, x, tx, T, revenueMinor, meanRepeatMinor]) => ({
      customerId,
      x,
      tx,
      T,
      revenueMinor,
      meanRepeatMinor,
    }));
  }

  async holdout(cutoff: string, holdoutEnd: string, currency: string): Promise<ClvHoldoutRow[]> {
    const rows = await selectRows<{
      customer_id: string;
      x: number;
      t_x: number;
      T: number;
      revenue_minor: number;
      mean_repeat_minor: number;
      x_holdout: number;
      holdout_weeks: number;
    }>(
      this.ch.client,
      `SELECT customer_id, x, t_x, T, revenue_minor, mean_repeat_minor, x_holdout, holdout_weeks
       FROM ${this.ch.database}.clv_holdout(cutoff = {cutoff:Date}, holdout_end = {holdoutEnd:Date}, currency = {currency:String})
       ORDER BY customer_id`,
      { cutoff, holdoutEnd, currency },
    );
    return rows.map((r) => ({
      customerId: r.customer_id,
      x: r.x,
      tx: r.t_x,
      T: r.T,
      revenueMinor: r.revenue_minor,
      meanRepeatMinor: r.mean_repeat_minor,
      xHoldout: r.x_holdout,
      holdoutWeeks: r.holdout_weeks,
    }));
  }
}
