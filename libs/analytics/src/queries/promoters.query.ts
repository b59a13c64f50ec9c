import type { AnalyticsClient } from '../clickhouse/analytics-client.factory';
import { moneyAmount, type MoneyAmount } from './analytics-money';
import { InvalidAnalyticsParameterError } from './analytics-query.errors';
import { checkCurrency, checkInteger, checkPeriod, type PeriodParams } from './analytics-query.params';
import { answerRows } from './analytics-rows';

/** How top referrers are ranked: by revenue of referred customers, referred customers acquired, or referrals made. */
export const PROMOTER_RANKINGS = {
  revenue: 'referred_revenue_minor DESC, referred_acquired DESC, referrals_made DESC',
  acquired: 'referred_acquired DESC, referred_revenue_minor DESC, referrals_made DESC',
  referrals: 'referrals_made DESC, referred_acquired DESC, referred_revenue_minor DESC',
} as const;
export type PromoterRanking = keyof typeof PROMOTER_RANKINGS;

export interface Promoter {
  readonly referrerId: string;
  readonly referralsMade: number;
  readonly referredAcquired: number;
  readonly referredBuyers: number;
  readonly referredRevenue: MoneyAmount;
}

export interface PromotersAnswer extends PeriodParams {
  readonly currency: string;
  readonly rankBy: PromoterRanking;
  readonly totals: {
    readonly referrers: number;
    readonly referralsMade: number;
    readonly referredAcquired: number;
    readonly referredBuyers: number;
    readonly referredRevenue: MoneyAmount;
  };
  readonly topReferrers: readonly Promoter[];
}

type Row = {
  referrer_id: string;
  referrals_made: number;
  referred_acquired: number;
  referred_buyers: number;
  referred_revenue_minor: number;
};

/** Referrals made, customers they brought, what those customers spent (view promoter_referrers). */
export class PromotersQuery {
  constructor(private readonly ch: AnalyticsClient) {}

  async promoters(
    params: PeriodParams & { currency: string; limit?: number; rankBy?: string },
  ): Promise<PromotersAnswer> {
    const { from, to } = checkPeriod(params);
    const currency = checkCurrency('currency', params.currency);
    const limit = checkInteger('limit', params.limit ?? 10, 1, 1000);
    const rankBy = params.rankBy ?? 'revenue';
    if (!Object.hasOwn(PROMOTER_RANKINGS, rankBy)) {
      throw new InvalidAnalyticsParameterError(
        'rankBy',
        `rankBy must be one of ${Object.keys(PROMOTER_RANKINGS).join(', ')}`,
      );
    }
    const view = `${this.ch.database}.promoter_referrers(start_date = {from:Date}, end_date = {to:Date}, currency = {currency:String})`;
    const values = { from, to, currency, limit };
    const [totals] = await answerRows<Row & { referrers: number }>(
      this.ch,
      `SELECT count() AS referrers, sum(referrals_made) AS referrals_made, sum(referred_acquired) AS referred_acquired,
              sum(referred_buyers) AS referred_buyers, sum(referred_revenue_minor) AS referred_revenue_minor
       FROM ${view}`,
      values,
    );
    const top = await answerRows<Row>(
      this.ch,
      `SELECT referrer_id, referrals_made, referred_acquired, referred_buyers, referred_revenue_minor
       FROM ${view}
       ORDER BY ${PROMOTER_RANKINGS[rankBy as PromoterRanking]}, referrer_id
       LIMIT {limit:UInt32}`,
      values,
    );
    return {
      from,
      to,
      currency,
      rankBy: rankBy as PromoterRanking,
      totals: {
        referrers: totals.referrers,
        referralsMade: totals.referrals_made,
        referredAcquired: totals.referred_acquired,
        referredBuyers: totals.referred_buyers,
        referredRevenue: moneyAmount(totals.referred_revenue_minor, currency),
      },
      topReferrers: top.map((r) => ({
        referrerId: r.referrer_id,
        referralsMade: r.referrals_made,
        referredAcquired: r.referred_acquired,
        referredBuyers: r.referred_buyers,
        referredRevenue: moneyAmount(r.referred_revenue_minor, currency),
      })),
    };
  }
}
