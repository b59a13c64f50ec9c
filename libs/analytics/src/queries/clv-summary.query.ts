import type { AnalyticsClient } from '../clickhouse/analytics-client.factory';
import type { ClvHoldoutCustomer } from '../clv/clv-holdout.report';
import type { WeightedRecencyFrequency } from '../clv/bg-nbd.model';
import type { ClvCustomerSummary, ClvFitSample } from '../clv/clv.model';

/** The summary as ClickHouse groups it for fitting: every group with its count of customers. */
export interface ClvGroupedSample extends ClvFitSample {
  readonly histories: readonly WeightedRecencyFrequency[];
  readonly spend: readonly { readonly x: number; readonly meanRepeatMinor: number; readonly count: number }[];
}

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

  /**
   * The summary grouped for fitting, in one pass of ClickHouse over it: the customers per distinct
   * (x, t_x, T) for BG/NBD and per distinct (x, mean repeat value) for Gamma-Gamma. A base of a million
   * customers comes back as far fewer rows than customers, with nothing for the process to group.
   */
  async fitSample(cutoff: string, currency: string): Promise<ClvGroupedSample> {
    const rows = await this.compactRows(
      // With group_by_use_nulls the columns a grouping set leaves out are NULL: t_x tells the sets apart.
      `SELECT t_x IS NOT NULL AS history, x, t_x, T, mean_repeat_minor, count() AS n
       FROM ${this.ch.database}.clv_summary(cutoff = {cutoff:Date}, currency = {currency:String})
       GROUP BY GROUPING SETS ((x, t_x, T), (x, mean_repeat_minor))
       HAVING history OR x > 0
       SETTINGS group_by_use_nulls = 1`,
      { cutoff, currency },
    );
    const histories: WeightedRecencyFrequency[] = [];
    const spend: ClvGroupedSample['spend'][number][] = [];
    for (const row of rows) {
      if (num(row[0]) === 1)
        histories.push({ x: num(row[1]), tx: num(row[2]), T: num(row[3]), count: num(row[5]) });
      else spend.push({ x: num(row[1]), meanRepeatMinor: num(row[4]), count: num(row[5]) });
    }
    return { histories, spend };
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
