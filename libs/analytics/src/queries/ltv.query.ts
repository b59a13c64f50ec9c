import type { AnalyticsClient } from '../clickhouse/analytics-client.factory';
import { moneyAmount, type MoneyAmount } from './analytics-money';
import { InvalidAnalyticsParameterError } from './analytics-query.errors';
import {
  checkAsOf,
  checkFilter,
  checkInteger,
  filterSql,
  type AsOfParams,
  type CustomerFilter,
} from './analytics-query.params';
import { answerRows } from './analytics-rows';

/** What historical LTV can be grouped by, and the column of customer_ltv each reads. */
export const LTV_GROUPINGS = {
  channel: "if(acquisition_channel = '', '(unknown)', toString(acquisition_channel))",
  cohort: 'toString(cohort_month)',
  country: "if(country = '', '(unknown)', toString(country))",
  segment: 'segment',
} as const;
export type LtvGrouping = keyof typeof LTV_GROUPINGS;

export interface LtvGroup {
  /** The channel, cohort month (YYYY-MM-01), country or RFM segment. */
  readonly value: string;
  readonly customers: number;
  /** Customers with at least one order in the currency. */
  readonly buyers: number;
  readonly orders: number;
  readonly revenue: MoneyAmount;
  /** revenue / customers: what an average customer of the group has been worth so far. */
  readonly averageLtv: MoneyAmount;
}

export interface LtvAnswer {
  readonly cutoff: string;
  readonly currency: string;
  readonly groupBy: LtvGrouping;
  readonly filter: CustomerFilter;
  readonly customers: number;
  readonly revenue: MoneyAmount;
  readonly averageLtv: MoneyAmount | null;
  /** Highest revenue first. */
  readonly groups: readonly LtvGroup[];
}

export interface CustomerLtv {
  readonly customerId: string;
  readonly acquiredAt: string;
  readonly cohortMonth: string;
  readonly acquisitionChannel: string;
  readonly campaign: string;
  readonly country: string;
  readonly ageBand: string;
  readonly incomeBand: string;
  readonly segment: string;
  readonly orders: number;
  readonly ltv: MoneyAmount;
  readonly firstPurchaseDay: string | null;
  readonly lastPurchaseDay: string | null;
  readonly tenureDays: number;
}

/** Historical lifetime value, per customer and grouped (views customer_ltv, ltv_summary). */
export class LtvQuery {
  constructor(private readonly ch: AnalyticsClient) {}

  async grouped(params: AsOfParams & { groupBy: string; filter?: CustomerFilter }): Promise<LtvAnswer> {
    const { cutoff, currency } = checkAsOf(params);
    const filter = checkFilter(params.filter ?? {});
    if (!Object.hasOwn(LTV_GROUPINGS, params.groupBy)) {
      throw new InvalidAnalyticsParameterError(
        'groupBy',
        `groupBy must be one of ${Object.keys(LTV_GROUPINGS).join(', ')}`,
      );
    }
    const groupBy = params.groupBy as LtvGrouping;
    const where = filterSql(filter);
    const rows = await answerRows<{
      value: string;
      customers: number;
      buyers: number;
      orders_total: number;
      revenue_total_minor: number;
    }>(
      this.ch,
      `SELECT ${LTV_GROUPINGS[groupBy]} AS value, count() AS customers, countIf(orders > 0) AS buyers,
              sum(orders) AS orders_total, sum(revenue_minor) AS revenue_total_minor
       FROM ${this.ch.database}.customer_ltv(cutoff = {cutoff:Date}, currency = {currency:String})
       WHERE 1 = 1${where.sql}
       GROUP BY value
       ORDER BY revenue_total_minor DESC, value`,
      { cutoff, currency, ...where.params },
    );
    const customers = rows.reduce((n, r) => n + r.customers, 0);
    const revenue = rows.reduce((n, r) => n + r.revenue_total_minor, 0);
    return {
      cutoff,
      currency,
      groupBy,
      filter,
      customers,
      revenue: moneyAmount(revenue, currency),
      averageLtv: customers > 0 ? moneyAmount(revenue / customers, currency) : null,
      groups: rows.map((r) => ({
        value: r.value,
        customers: r.customers,
        buyers: r.buyers,
        orders: r.orders_total,
        revenue: moneyAmount(r.revenue_total_minor, currency),
        averageLtv: moneyAmount(r.revenue_total_minor / r.customers, currency),
      })),
    };
  }

  /** Customers by historical LTV, highest first (then customer id), paged. */
  async customers(
    params: AsOfParams & { filter?: CustomerFilter; limit?: number; offset?: number },
  ): Promise<CustomerLtv[]> {
    const { cutoff, currency } = checkAsOf(params);
    const filter = checkFilter(params.filter ?? {});
    const limit = checkInteger('limit', params.limit ?? 100, 1, 10_000);
    const offset = checkInteger('offset', params.offset ?? 0, 0, Number.MAX_SAFE_INTEGER);
    const where = filterSql(filter);
    const rows = await answerRows<{
      customer_id: string;
      acquired_at: string;
      cohort_month: string;
      acquisition_channel: string;
      campaign: string;
      country: string;
      age_band: string;
      income_band: string;
      segment: string;
      orders: number;
      revenue_minor: number;
      first_purchase_day: string | null;
      last_purchase_day: string | null;
      tenure_days: number;
    }>(
      this.ch,
      `SELECT customer_id, toString(acquired_at) AS acquired_at, toString(cohort_month) AS cohort_month,
              acquisition_channel, campaign, country, age_band, income_band, segment, orders, revenue_minor,
              toString(first_purchase_day) AS first_purchase_day, toString(last_purchase_day) AS last_purchase_day,
              tenure_days
       FROM ${this.ch.database}.customer_ltv(cutoff = {cutoff:Date}, currency = {currency:String})
       WHERE 1 = 1${where.sql}
       ORDER BY revenue_minor DESC, customer_id
       LIMIT {limit:UInt32} OFFSET {offset:UInt64}`,
      { cutoff, currency, limit, offset, ...where.params },
    );
    return rows.map((r) => ({
      customerId: r.customer_id,
      acquiredAt: `${r.acquired_at.replace(' ', 'T')}Z`,
      cohortMonth: r.cohort_month,
      acquisitionChannel: r.acquisition_channel,
      campaign: r.campaign,
      country: r.country,
      ageBand: r.age_band,
      incomeBand: r.income_band,
      segment: r.segment,
      orders: r.orders,
      ltv: moneyAmount(r.revenue_minor, currency),
      firstPurchaseDay: r.first_purchase_day,
      lastPurchaseDay: r.last_purchase_day,
      tenureDays: r.tenure_days,
    }));
  }
}
