import type { AnalyticsClient } from '../clickhouse/analytics-client.factory';
import { moneyAmount, type MoneyAmount } from './analytics-money';
import { checkCurrency, checkPeriod, type PeriodParams } from './analytics-query.params';
import { answerRows } from './analytics-rows';

export interface TimingBucket {
  /** Month 1-12, ISO weekday 1 (Monday) - 7, or hour 0-23, in UTC. */
  readonly bucket: number;
  readonly label: string;
  readonly orders: number;
  readonly revenue: MoneyAmount;
  readonly buyers: number;
}

export interface PurchaseTimingAnswer extends PeriodParams {
  readonly currency: string;
  readonly timeZone: 'UTC';
  /** Every bucket of each dimension, empty ones with zeros. */
  readonly byMonth: readonly TimingBucket[];
  readonly byWeekday: readonly TimingBucket[];
  readonly byHour: readonly TimingBucket[];
}

export interface CategoryMonth {
  readonly month: number;
  readonly units: number;
  readonly revenueMinor: number;
  /** The month's share of the category's revenue in the period (0-1). */
  readonly revenueShare: number;
  /** 100 * revenueShare * 12: 100 = an average month. */
  readonly seasonalityIndex: number;
}

export interface CategorySeasonality {
  readonly category: string;
  readonly units: number;
  readonly revenue: MoneyAmount;
  /** Months 1-12, months without sales with zeros. */
  readonly months: readonly CategoryMonth[];
}

export interface SeasonalityAnswer extends PeriodParams {
  readonly currency: string;
  /** Highest revenue first. */
  readonly categories: readonly CategorySeasonality[];
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const DIMENSIONS = {
  month: { first: 1, labels: MONTHS },
  weekday: { first: 1, labels: WEEKDAYS },
  hour: { first: 0, labels: Array.from({ length: 24 }, (_, h) => `${String(h).padStart(2, '0')}:00`) },
};

/** Purchase timing by month, weekday and hour, and seasonality by category (views purchase_timing, category_seasonality). */
export class PurchaseTimingQuery {
  constructor(private readonly ch: AnalyticsClient) {}

  async timing(params: PeriodParams & { currency: string }): Promise<PurchaseTimingAnswer> {
    const { from, to } = checkPeriod(params);
    const currency = checkCurrency('currency', params.currency);
    const rows = await answerRows<{
      dimension: keyof typeof DIMENSIONS;
      bucket: number;
      orders: number;
      revenue_minor: number;
      buyers: number;
    }>(
      this.ch,
      `SELECT dimension, bucket, orders, revenue_minor, buyers
       FROM ${this.ch.database}.purchase_timing(start_date = {from:Date}, end_date = {to:Date}, currency = {currency:String})`,
      { from, to, currency },
    );
    const found = new Map(rows.map((r) => [`${r.dimension}/${r.bucket}`, r]));
    const buckets = (dimension: keyof typeof DIMENSIONS): TimingBucket[] => {
      const { first, labels } = DIMENSIONS[dimension];
      return labels.map((label, i) => {
        const row = found.get(`${dimension}/${first + i}`);
        return {
          bucket: first + i,
          label,
          orders: row?.orders ?? 0,
          revenue: moneyAmount(row?.revenue_minor ?? 0, currency),
          buyers: row?.buyers ?? 0,
        };
      });
    };
    return {
      from,
      to,
      currency,
      timeZone: 'UTC',
      byMonth: buckets('month'),
      byWeekday: buckets('weekday'),
      byHour: buckets('hour'),
    };
  }

  async seasonality(params: PeriodParams & { currency: string }): Promise<SeasonalityAnswer> {
    const { from, to } = checkPeriod(params);
    const currency = checkCurrency('currency', params.currency);
    const rows = await answerRows<{
      category: string;
      month: number;
      units: number;
      revenue_minor: number;
      revenue_share: number | null;
      seasonality_index: number | null;
    }>(
      this.ch,
      `SELECT category, month, units, revenue_minor, revenue_share, seasonality_index
       FROM ${this.ch.database}.category_seasonality(start_date = {from:Date}, end_date = {to:Date}, currency = {currency:String})`,
      { from, to, currency },
    );
    const categories = new Map<string, typeof rows>();
    for (const row of rows) categories.set(row.category, [...(categories.get(row.category) ?? []), row]);
    const answer = [...categories].map(([category, months]) => {
      const byMonth = new Map(months.map((m) => [m.month, m]));
      return {
        category,
        units: months.reduce((n, m) => n + m.units, 0),
        revenue: moneyAmount(
          months.reduce((n, m) => n + m.revenue_minor, 0),
          currency,
        ),
        months: MONTHS.map((_, i) => {
          const m = byMonth.get(i + 1);
          return {
            month: i + 1,
            units: m?.units ?? 0,
            revenueMinor: m?.revenue_minor ?? 0,
            revenueShare: m?.revenue_share ?? 0,
            seasonalityIndex: m?.seasonality_index ?? 0,
          };
        }),
      };
    });
    answer.sort((a, b) => b.revenue.minor - a.revenue.minor || (a.category < b.category ? -1 : 1));
    return { from, to, currency, categories: answer };
  }
}
