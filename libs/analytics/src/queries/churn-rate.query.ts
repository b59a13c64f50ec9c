import type { AnalyticsClient } from '../clickhouse/analytics-client.factory';
import {
  checkFilter,
  checkPeriod,
  filterSql,
  type CustomerFilter,
  type PeriodParams,
} from './analytics-query.params';
import { answerRows } from './analytics-rows';

export interface ChurnMonth {
  /** First day of the month, YYYY-MM-DD. */
  readonly month: string;
  readonly activeAtStart: number;
  readonly acquired: number;
  /** Customers who churned during the month (including some acquired in it). */
  readonly churned: number;
  /** Active at the start and churned during the month: the numerator of churnRate. */
  readonly lost: number;
  readonly reactivated: number;
  readonly activeAtEnd: number;
  /** lost / activeAtStart (six decimals); null when nobody was active at the start. */
  readonly churnRate: number | null;
}

export interface ChurnRateAnswer {
  readonly from: string;
  readonly to: string;
  readonly filter: CustomerFilter;
  readonly months: readonly ChurnMonth[];
  /** Over the whole period: sum of lost / sum of activeAtStart (a customer counts once per month). */
  readonly averageMonthlyChurnRate: number | null;
}

/** Every month from the first of `from`'s month to `to`'s month. */
function monthsBetween(from: string, to: string): string[] {
  const months: string[] = [];
  let year = Number(from.slice(0, 4));
  let month = Number(from.slice(5, 7));
  const lastKey = to.slice(0, 7);
  for (;;) {
    const key = `${year}-${String(month).padStart(2, '0')}`;
    months.push(`${key}-01`);
    if (key >= lastKey) return months;
    month = month === 12 ? 1 : month + 1;
    if (month === 1) year += 1;
  }
}

const rate = (lost: number, base: number) => (base > 0 ? Math.round((lost / base) * 1e6) / 1e6 : null);

/** Churn rate per calendar month (views churn_customer_months, churn_by_month). */
export class ChurnRateQuery {
  constructor(private readonly ch: AnalyticsClient) {}

  async byMonth(params: PeriodParams & { filter?: CustomerFilter }): Promise<ChurnRateAnswer> {
    const { from, to } = checkPeriod(params);
    const filter = checkFilter(params.filter ?? {});
    const where = filterSql(filter);
    const rows = await answerRows<{
      month: string;
      active_at_start: number;
      acquired: number;
      churned: number;
      lost: number;
      reactivated: number;
      active_at_end: number;
    }>(
      this.ch,
      `SELECT toString(month) AS month, countIf(active_at_start) AS active_at_start,
              countIf(acquired_in_month) AS acquired, countIf(churned_in_month) AS churned,
              countIf(lost_in_month) AS lost, countIf(reactivated_in_month) AS reactivated,
              countIf(active_at_end) AS active_at_end
       FROM ${this.ch.database}.churn_customer_months(start_date = {from:Date}, end_date = {to:Date})
       WHERE 1 = 1${where.sql}
       GROUP BY month`,
      { from, to, ...where.params },
    );
    const byMonth = new Map(rows.map((r) => [r.month, r]));
    // Months before anyone was acquired have no rows: they are listed with zeros.
    const months = monthsBetween(from, to).map((month) => {
      const r = byMonth.get(month);
      return {
        month,
        activeAtStart: r?.active_at_start ?? 0,
        acquired: r?.acquired ?? 0,
        churned: r?.churned ?? 0,
        lost: r?.lost ?? 0,
        reactivated: r?.reactivated ?? 0,
        activeAtEnd: r?.active_at_end ?? 0,
        churnRate: rate(r?.lost ?? 0, r?.active_at_start ?? 0),
      };
    });
    const lost = months.reduce((n, m) => n + m.lost, 0);
    const base = months.reduce((n, m) => n + m.activeAtStart, 0);
    return { from, to, filter, months, averageMonthlyChurnRate: rate(lost, base) };
  }
}
