import type { AnalyticsClient } from '../clickhouse/analytics-client.factory';
import {
  checkAsOf,
  checkFilter,
  filterSql,
  type AsOfParams,
  type CustomerFilter,
} from './analytics-query.params';
import { answerRows } from './analytics-rows';

/** One acquisition cohort: its rows of the retention and revenue matrices, indexed by month offset. */
export interface Cohort {
  /** First day of the acquisition month, YYYY-MM-DD. */
  readonly cohortMonth: string;
  readonly customers: number;
  /** Customers who bought in month offset i (any currency). */
  readonly activeCustomers: readonly number[];
  /** activeCustomers[i] / customers, six decimals. */
  readonly retentionRate: readonly number[];
  /** Orders and revenue (minor units of the answer's currency) in month offset i. */
  readonly orders: readonly number[];
  readonly revenueMinor: readonly number[];
  /** Revenue from acquisition up to offset i. */
  readonly cumulativeRevenueMinor: readonly number[];
}

export interface CohortsAnswer {
  readonly cutoff: string;
  readonly currency: string;
  readonly filter: CustomerFilter;
  /** Oldest cohort first; a cohort's arrays run from offset 0 to the cutoff's month (partial). */
  readonly cohorts: readonly Cohort[];
}

/** Monthly acquisition cohorts with their retention and revenue matrices (views cohort_customer_months, cohort_retention). */
export class CohortsQuery {
  constructor(private readonly ch: AnalyticsClient) {}

  async matrix(params: AsOfParams & { filter?: CustomerFilter }): Promise<CohortsAnswer> {
    const { cutoff, currency } = checkAsOf(params);
    const filter = checkFilter(params.filter ?? {});
    const where = filterSql(filter);
    const rows = await answerRows<{
      cohort_month: string;
      month_offset: number;
      cohort_size: number;
      active_customers: number;
      orders: number;
      revenue_minor: number;
    }>(
      this.ch,
      `SELECT toString(cohort_month) AS cohort_month, month_offset, count() AS cohort_size,
              countIf(purchased) AS active_customers, sum(orders) AS orders, sum(revenue_minor) AS revenue_minor
       FROM ${this.ch.database}.cohort_customer_months(cutoff = {cutoff:Date}, currency = {currency:String})
       WHERE 1 = 1${where.sql}
       GROUP BY cohort_month, month_offset
       ORDER BY cohort_month, month_offset`,
      { cutoff, currency, ...where.params },
    );
    const cohorts = new Map<string, typeof rows>();
    for (const row of rows) {
      const list = cohorts.get(row.cohort_month) ?? [];
      list.push(row);
      cohorts.set(row.cohort_month, list);
    }
    return {
      cutoff,
      currency,
      filter,
      cohorts: [...cohorts].map(([cohortMonth, offsets]) => {
        // Every customer has a row at every offset, so the cohort's size is the same at each.
        const customers = offsets[0].cohort_size;
        let running = 0;
        return {
          cohortMonth,
          customers,
          activeCustomers: offsets.map((o) => o.active_customers),
          retentionRate: offsets.map((o) => Math.round((o.active_customers / customers) * 1e6) / 1e6),
          orders: offsets.map((o) => o.orders),
          revenueMinor: offsets.map((o) => o.revenue_minor),
          cumulativeRevenueMinor: offsets.map((o) => (running += o.revenue_minor)),
        };
      }),
    };
  }
}
