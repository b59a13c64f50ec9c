import type { AnalyticsClient } from '../clickhouse/analytics-client.factory';
import type { ClvHoldoutCustomer } from '../clv/clv-holdout.report';
import type { ClvCustomerSummary } from '../clv/clv.model';

/** A customer as the CLV models see them (view clv_summary): times in weeks, money in minor units. */
export type ClvSummaryRow = ClvCustomerSummary;

/** The summary plus the holdout period after the cutoff (view clv_holdout). */
export type ClvHoldoutRow = ClvHoldoutCustomer;

type Cell = string | number | null;

/** 64-bit integers arrive as JSON strings (ClickHouse quotes them by default); everything here fits a double. */
const num = (cell: Cell): number => (cell === null ? 0 : Number(cell));

/**
 * Reads the per-customer summary the CLV models are fitted on, computed in ClickHouse as of a cutoff day.
 * JSONCompactEachRow: one small array per customer, so the summary of a large base stays cheap to ship.
 */
export class ClvSummaryQuery {
  constructor(private readonly ch: AnalyticsClient) {}

  async summary(cutoff: string, currency: string): Promise<ClvSummaryRow[]> {
    const rows = await this.compactRows(
      `SELECT customer_id, x, t_x, T, revenue_minor, mean_repeat_minor
       FROM ${this.ch.database}.clv_summary(cutoff = {cutoff:Date}, currency = {currency:String})
       ORDER BY customer_id`,
      { cutoff, currency },
    );
    return rows.map(toSummary);
  }

  /** Customers of the calibration period (up to `cutoff`) with their transactions up to `holdoutEnd`. */
  async holdout(cutoff: string, holdoutEnd: string, currency: string): Promise<ClvHoldoutRow[]> {
    const rows = await this.compactRows(
      `SELECT customer_id, x, t_x, T, revenue_minor, mean_repeat_minor, x_holdout, holdout_weeks
       FROM ${this.ch.database}.clv_holdout(
           cutoff = {cutoff:Date}, holdout_end = {holdoutEnd:Date}, currency = {currency:String})
       ORDER BY customer_id`,
      { cutoff, holdoutEnd, currency },
    );
    return rows.map((row) => ({ ...toSummary(row), xHoldout: num(row[6]), holdoutWeeks: num(row[7]) }));
  }

  private async compactRows(query: string, params: Record<string, string>): Promise<Cell[][]> {
    const result = await this.ch.client.query({ query, format: 'JSONCompactEachRow', query_params: params });
    return result.json<Cell[]>();
  }
}

function toSummary(row: Cell[]): ClvSummaryRow {
  return {
    customerId: String(row[0]),
    x: num(row[1]),
    tx: num(row[2]),
    T: num(row[3]),
    revenueMinor: num(row[4]),
    meanRepeatMinor: num(row[5]),
  };
}
