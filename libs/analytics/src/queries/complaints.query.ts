import { COMPLAINT_CATEGORIES } from '@crm/domain';
import type { AnalyticsClient } from '../clickhouse/analytics-client.factory';
import { checkOneOf, checkPeriod, type PeriodParams } from './analytics-query.params';
import { answerRows } from './analytics-rows';
import { ratio } from './customer-economics';
import { PERIOD_START_SQL, SATISFACTION_PERIODS, type SatisfactionPeriod } from './satisfaction.query';

export interface ComplaintsParams extends PeriodParams {
  /** month (default) or quarter. */
  readonly period?: string;
}

export interface ComplaintRate {
  readonly complaints: number;
  /** Customers on the books in the period: active at some time in one of its calendar months. */
  readonly customers: number;
  /** complaints / customers x 1,000; null without customers. */
  readonly per1000Customers: number | null;
}

export interface ResolutionTimes {
  /** Complaints opened in the period. */
  readonly opened: number;
  /** Of those, resolved by the end of the period. */
  readonly resolved: number;
  readonly unresolved: number;
  /** Hours from opening to resolution of the resolved ones: median and 90th percentile (linear interpolation). */
  readonly p50Hours: number | null;
  readonly p90Hours: number | null;
}

export interface ChurnAfterComplaint {
  readonly state: 'resolved' | 'unresolved';
  readonly complaints: number;
  /** Complaints whose customer churned after opening it, by the end of the period. */
  readonly churned: number;
  readonly churnRate: number | null;
}

export interface ComplaintsAnswer {
  readonly from: string;
  readonly to: string;
  readonly period: SatisfactionPeriod;
  readonly total: ComplaintRate & ResolutionTimes;
  /** Every period of the range (first day, YYYY-MM-DD), zeros included. */
  readonly periods: readonly ({ readonly period: string } & ComplaintRate)[];
  /** Every category, per 1,000 customers of the whole range. */
  readonly categories: readonly ({ readonly category: string } & ComplaintRate & ResolutionTimes)[];
  readonly churnAfter: readonly ChurnAfterComplaint[];
}

/** First days of every month or quarter from `from`'s to `to`'s. */
function periodsBetween(from: string, to: string, period: SatisfactionPeriod): string[] {
  const step = period === 'month' ? 1 : 3;
  const start = new Date(`${from.slice(0, 7)}-01T00:00:00Z`);
  if (period === 'quarter') start.setUTCMonth(Math.floor(start.getUTCMonth() / 3) * 3);
  const out: string[] = [];
  for (const d = start; d.toISOString().slice(0, 10) <= to; d.setUTCMonth(d.getUTCMonth() + step)) {
    out.push(d.toISOString().slice(0, 10));
  }
  return out;
}

const round = (hours: number | null | undefined): number | null =>
  hours === null || hours === undefined || Number.isNaN(hours) ? null : Math.round(hours * 1e4) / 1e4;

interface ResolutionRow {
  key: string;
  opened: number;
  resolved: number;
  p50: number | null;
  p90: number | null;
}

/**
 * Complaint rates, time to resolution and churn after a complaint (views complaints, complaint_outcomes;
 * the customers on the books come from churn_customer_months).
 */
export class ComplaintsQuery {
  constructor(private readonly ch: AnalyticsClient) {}

  async complaints(params: ComplaintsParams): Promise<ComplaintsAnswer> {
    const { from, to } = checkPeriod(params);
    const period = checkOneOf('period', params.period, SATISFACTION_PERIODS, 'month');
    const db = this.ch.database;
    const bind = { from, to };
    const months = `${db}.churn_customer_months(start_date = {from:Date}, end_date = {to:Date})`;
    const onBooks = 'active_at_start OR acquired_in_month OR reactivated_in_month';
    const outcomes = `${db}.complaint_outcomes(start_date = {from:Date}, end_date = {to:Date})`;
    const times = `count() AS opened, countIf(resolved_by_end) AS resolved,
                   quantileExactInclusiveIf(0.5)(resolution_hours, resolved_by_end) AS p50,
                   quantileExactInclusiveIf(0.9)(resolution_hours, resolved_by_end) AS p90`;
    const bases = await answerRows<{ key: string; customers: number }>(
      this.ch,
      `SELECT toString(${PERIOD_START_SQL[period]('month')}) AS key, uniqExact(customer_id) AS customers
       FROM ${months} WHERE ${onBooks} GROUP BY key`,
      bind,
    );
    const [allCustomers] = await answerRows<{ customers: number }>(
      this.ch,
      `SELECT uniqExact(customer_id) AS customers FROM ${months} WHERE ${onBooks}`,
      bind,
    );
    const opened = await answerRows<{ key: string; complaints: number }>(
      this.ch,
      `SELECT toString(${PERIOD_START_SQL[period]('opened_at')}) AS key, count() AS complaints
       FROM ${outcomes} GROUP BY key`,
      bind,
    );
    const byCategory = await answerRows<ResolutionRow>(
      this.ch,
      `SELECT category AS key, ${times} FROM ${outcomes} GROUP BY key`,
      bind,
    );
    const [overall] = await answerRows<ResolutionRow>(
      this.ch,
      `SELECT 'all' AS key, ${times} FROM ${outcomes}`,
      bind,
    );
    const churn = await answerRows<{ resolved_by_end: boolean; complaints: number; churned: number }>(
      this.ch,
      `SELECT resolved_by_end, count() AS complaints, countIf(churned_after) AS churned
       FROM ${outcomes} GROUP BY resolved_by_end`,
      bind,
    );
    const customers = allCustomers?.customers ?? 0;
    const rate = (complaints: number, base: number): ComplaintRate => ({
      complaints,
      customers: base,
      per1000Customers: base > 0 ? Math.round((complaints / base) * 1000 * 1e4) / 1e4 : null,
    });
    const baseBy = new Map(bases.map((b) => [b.key, b.customers]));
    const openedBy = new Map(opened.map((o) => [o.key, o.complaints]));
    const categoryBy = new Map(byCategory.map((c) => [c.key, c]));
    const churnBy = (resolved: boolean) => churn.find((c) => Boolean(c.resolved_by_end) === resolved);
    return {
      from,
      to,
      period,
      total: { ...rate(overall?.opened ?? 0, customers), ...resolutionTimes(overall) },
      periods: periodsBetween(from, to, period).map((key) => ({
        period: key,
        ...rate(openedBy.get(key) ?? 0, baseBy.get(key) ?? 0),
      })),
      categories: COMPLAINT_CATEGORIES.map((category) => {
        const row = categoryBy.get(category);
        return { category, ...rate(row?.opened ?? 0, customers), ...resolutionTimes(row) };
      }),
      churnAfter: (['resolved', 'unresolved'] as const).map((state) => {
        const row = churnBy(state === 'resolved');
        return {
          state,
          complaints: row?.complaints ?? 0,
          churned: row?.churned ?? 0,
          churnRate: ratio(row?.churned ?? 0, row?.complaints ?? 0),
        };
      }),
    };
  }
}

function resolutionTimes(row: ResolutionRow | undefined): ResolutionTimes {
  const opened = row?.opened ?? 0;
  const resolved = row?.resolved ?? 0;
  return {
    opened,
    resolved,
    unresolved: opened - resolved,
    p50Hours: resolved > 0 ? round(row?.p50) : null,
    p90Hours: resolved > 0 ? round(row?.p90) : null,
  };
}
