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

/** The eleven named segments, best first (the order answers list them in). */
export const RFM_SEGMENTS = [
  'Champions',
  'Loyal',
  'Potential Loyalists',
  'New',
  'Promising',
  'Need Attention',
  'About to Sleep',
  'At Risk',
  "Can't Lose Them",
  'Hibernating',
  'Lost',
] as const;
export type RfmSegment = (typeof RFM_SEGMENTS)[number];

/**
 * segment = RFM_SEGMENT_GRID[r_score - 1][fm_score - 1]: the same grid as the view rfm_customers
 * (infra/clickhouse/0004_rfm_views.sql), kept here for the docs and the tests.
 */
export const RFM_SEGMENT_GRID: readonly (readonly RfmSegment[])[] = [
  ['Lost', 'Hibernating', 'At Risk', "Can't Lose Them", "Can't Lose Them"],
  ['Hibernating', 'About to Sleep', 'At Risk', 'At Risk', "Can't Lose Them"],
  ['About to Sleep', 'Need Attention', 'Need Attention', 'Loyal', 'Loyal'],
  ['Promising', 'Potential Loyalists', 'Loyal', 'Champions', 'Champions'],
  ['New', 'Potential Loyalists', 'Potential Loyalists', 'Champions', 'Champions'],
];

export interface RfmSegmentSummary {
  readonly segment: RfmSegment;
  readonly customers: number;
  readonly revenue: MoneyAmount;
  /** Share of the customers (or revenue) of the answer, 0-1, six decimals. */
  readonly customerShare: number;
  readonly revenueShare: number;
  readonly avgRecencyDays: number | null;
  readonly avgFrequency: number | null;
  readonly avgMonetary: MoneyAmount | null;
}

export interface RfmSegmentsAnswer {
  readonly cutoff: string;
  readonly currency: string;
  readonly filter: CustomerFilter;
  readonly customers: number;
  readonly revenue: MoneyAmount;
  /** All eleven segments in RFM_SEGMENTS order, empty ones with zero customers. */
  readonly segments: readonly RfmSegmentSummary[];
}

export interface RfmCustomer {
  readonly customerId: string;
  readonly recencyDays: number;
  readonly frequency: number;
  readonly monetary: MoneyAmount;
  readonly rScore: number;
  readonly fScore: number;
  readonly mScore: number;
  readonly fmScore: number;
  readonly rfmCell: string;
  readonly segment: RfmSegment;
  readonly firstPurchaseDay: string;
  readonly lastPurchaseDay: string;
  readonly acquisitionChannel: string;
  readonly country: string;
}

export interface RfmCustomersParams extends AsOfParams {
  readonly filter?: CustomerFilter;
  readonly segment?: string;
  readonly limit?: number;
  readonly offset?: number;
}

const round6 = (value: number) => Math.round(value * 1e6) / 1e6;
const round2 = (value: number) => Math.round(value * 100) / 100;

/** RFM scores and segments (views rfm_customers, rfm_segments). */
export class RfmQuery {
  constructor(private readonly ch: AnalyticsClient) {}

  /** Customers and revenue per segment. A filter narrows who is counted; scores stay relative to all buyers. */
  async segments(params: AsOfParams & { filter?: CustomerFilter }): Promise<RfmSegmentsAnswer> {
    const { cutoff, currency } = checkAsOf(params);
    const filter = checkFilter(params.filter ?? {});
    const where = filterSql(filter);
    const rows = await answerRows<{
      segment: RfmSegment;
      customers: number;
      revenue_minor: number;
      avg_recency_days: number;
      avg_frequency: number;
      avg_monetary_minor: number;
    }>(
      this.ch,
      `SELECT segment, count() AS customers, sum(monetary_minor) AS revenue_minor,
              avg(recency_days) AS avg_recency_days, avg(frequency) AS avg_frequency,
              avg(monetary_minor) AS avg_monetary_minor
       FROM ${this.ch.database}.rfm_customers(cutoff = {cutoff:Date}, currency = {currency:String})
       WHERE 1 = 1${where.sql}
       GROUP BY segment`,
      { cutoff, currency, ...where.params },
    );
    const bySegment = new Map(rows.map((r) => [r.segment, r]));
    const customers = rows.reduce((n, r) => n + r.customers, 0);
    const revenue = rows.reduce((n, r) => n + r.revenue_minor, 0);
    return {
      cutoff,
      currency,
      filter,
      customers,
      revenue: moneyAmount(revenue, currency),
      segments: RFM_SEGMENTS.map((segment) => {
        const row = bySegment.get(segment);
        return {
          segment,
          customers: row?.customers ?? 0,
          revenue: moneyAmount(row?.revenue_minor ?? 0, currency),
          customerShare: customers > 0 ? round6((row?.customers ?? 0) / customers) : 0,
          revenueShare: revenue > 0 ? round6((row?.revenue_minor ?? 0) / revenue) : 0,
          avgRecencyDays: row ? round2(row.avg_recency_days) : null,
          avgFrequency: row ? round2(row.avg_frequency) : null,
          avgMonetary: row ? moneyAmount(row.avg_monetary_minor, currency) : null,
        };
      }),
    };
  }

  /** Scored customers, highest monetary value first (then customer id), paged. */
  async customers(params: RfmCustomersParams): Promise<RfmCustomer[]> {
    const { cutoff, currency } = checkAsOf(params);
    const filter = checkFilter(params.filter ?? {});
    const limit = checkInteger('limit', params.limit ?? 100, 1, 10_000);
    const offset = checkInteger('offset', params.offset ?? 0, 0, Number.MAX_SAFE_INTEGER);
    if (params.segment !== undefined && !(RFM_SEGMENTS as readonly string[]).includes(params.segment)) {
      throw new InvalidAnalyticsParameterError(
        'segment',
        `segment must be one of ${RFM_SEGMENTS.join(', ')}`,
      );
    }
    const where = filterSql(filter);
    const segmentSql = params.segment !== undefined ? ' AND segment = {segment:String}' : '';
    const rows = await answerRows<{
      customer_id: string;
      recency_days: number;
      frequency: number;
      monetary_minor: number;
      r_score: number;
      f_score: number;
      m_score: number;
      fm_score: number;
      rfm_cell: string;
      segment: RfmSegment;
      first_purchase_day: string;
      last_purchase_day: string;
      acquisition_channel: string;
      country: string;
    }>(
      this.ch,
      `SELECT customer_id, recency_days, frequency, monetary_minor, r_score, f_score, m_score, fm_score, rfm_cell,
              segment, toString(first_purchase_day) AS first_purchase_day,
              toString(last_purchase_day) AS last_purchase_day, acquisition_channel, country
       FROM ${this.ch.database}.rfm_customers(cutoff = {cutoff:Date}, currency = {currency:String})
       WHERE 1 = 1${where.sql}${segmentSql}
       ORDER BY monetary_minor DESC, customer_id
       LIMIT {limit:UInt32} OFFSET {offset:UInt64}`,
      {
        cutoff,
        currency,
        limit,
        offset,
        ...where.params,
        ...(params.segment ? { segment: params.segment } : {}),
      },
    );
    return rows.map((r) => ({
      customerId: r.customer_id,
      recencyDays: r.recency_days,
      frequency: r.frequency,
      monetary: moneyAmount(r.monetary_minor, currency),
      rScore: r.r_score,
      fScore: r.f_score,
      mScore: r.m_score,
      fmScore: r.fm_score,
      rfmCell: r.rfm_cell,
      segment: r.segment,
      firstPurchaseDay: r.first_purchase_day,
      lastPurchaseDay: r.last_purchase_day,
      acquisitionChannel: r.acquisition_channel,
      country: r.country,
    }));
  }
}
