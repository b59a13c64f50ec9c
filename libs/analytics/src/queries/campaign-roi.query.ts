import type { AnalyticsClient } from '../clickhouse/analytics-client.factory';
import { moneyAmount, type MoneyAmount } from './analytics-money';
import { NotEnoughAnalyticsDataError } from './analytics-query.errors';
import { checkAsOf, type AsOfParams } from './analytics-query.params';
import { answerRows } from './analytics-rows';
import { economicsViewParams, ratio, type CustomerEconomics } from './customer-economics';
import { PredictiveLtvQuery } from './predictive-ltv.query';

export interface CampaignRoiParams extends AsOfParams {
  /** Also fit (or reuse) the CLV model of the cutoff for the customers' predicted CLV. Default true. */
  readonly predictions?: boolean;
  /** Read the predictions of this stored model (clv_predictions.model_id) instead of fitting one. */
  readonly clvModelId?: string;
}

export interface CampaignPerformance {
  readonly campaign: string;
  /** The acquisition channel the money was spent on and the customers came through. */
  readonly channel: string;
  readonly spend: MoneyAmount;
  readonly customersAcquired: number;
  readonly buyers: number;
  /** Customer acquisition cost: spend / customers acquired; null when nobody was acquired. */
  readonly cac: MoneyAmount | null;
  /** The acquired customers' revenue to date, and that times the margin. */
  readonly revenue: MoneyAmount;
  readonly grossMargin: MoneyAmount;
  /** Their predicted CLV over the model's horizon (the CLV model fitted with the same margin); null without a model. */
  readonly predictedClv: MoneyAmount | null;
  /** (gross margin - spend) / spend; null without spend. */
  readonly roi: number | null;
  /** (gross margin + predicted CLV - spend) / spend; null without spend or model. */
  readonly predictedRoi: number | null;
  /** Days from the first spend day to the day their cumulated gross margin reached the spend; null if not yet. */
  readonly paybackDays: number | null;
  readonly paybackDay: string | null;
}

export interface CampaignRoiAnswer extends AsOfParams {
  readonly margin: number;
  /** The CLV model the predictions come from (null: not asked for, or not enough data to fit one). */
  readonly clvModelId: string | null;
  readonly campaigns: readonly CampaignPerformance[];
}

interface PerformanceRow {
  campaign: string;
  channel: string;
  spend_minor: number;
  customers_acquired: number;
  buyers: number;
  revenue_minor: number;
  first_spend_day: string | null;
  payback_day: string | null;
}

const days = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);

/** Spend, CAC, revenue, predicted CLV, ROI and payback per campaign and channel (view campaign_performance). */
export class CampaignRoiQuery {
  constructor(
    private readonly ch: AnalyticsClient,
    private readonly economics: CustomerEconomics,
    private readonly predictive: PredictiveLtvQuery = new PredictiveLtvQuery(ch),
  ) {}

  async campaigns(params: CampaignRoiParams): Promise<CampaignRoiAnswer> {
    const { cutoff, currency } = checkAsOf(params);
    const { margin } = economicsViewParams(this.economics, currency);
    const rows = await answerRows<PerformanceRow>(
      this.ch,
      `SELECT campaign, channel, spend_minor, customers_acquired, buyers, revenue_minor,
              toString(first_spend_day) AS first_spend_day, toString(payback_day) AS payback_day
       FROM ${this.ch.database}.campaign_performance(
           cutoff = {cutoff:Date}, currency = {currency:String}, margin = {margin:Float64})
       ORDER BY campaign, channel`,
      { cutoff, currency, margin },
    );
    const predicted =
      params.predictions === false
        ? undefined
        : await this.predictedClv(params.clvModelId ?? (await this.fittedModel(cutoff, currency, margin)));
    const money = (minor: number) => moneyAmount(minor, currency);
    return {
      cutoff,
      currency,
      margin,
      clvModelId: predicted?.modelId ?? null,
      campaigns: rows.map((r) => {
        const gross = r.revenue_minor * margin;
        const clv = predicted ? (predicted.byCampaign.get(`${r.campaign}|${r.channel}`) ?? 0) : undefined;
        const payback = r.payback_day && r.first_spend_day ? days(r.first_spend_day, r.payback_day) : null;
        return {
          campaign: r.campaign,
          channel: r.channel,
          spend: money(r.spend_minor),
          customersAcquired: r.customers_acquired,
          buyers: r.buyers,
          cac: r.customers_acquired > 0 ? money(r.spend_minor / r.customers_acquired) : null,
          revenue: money(r.revenue_minor),
          grossMargin: money(gross),
          predictedClv: clv === undefined ? null : money(clv),
          roi: ratio(gross - r.spend_minor, r.spend_minor),
          predictedRoi: clv === undefined ? null : ratio(gross + clv - r.spend_minor, r.spend_minor),
          paybackDays: payback,
          paybackDay: payback === null ? null : r.payback_day,
        };
      }),
    };
  }

  /** The CLV model of the cutoff, fitted with the margin (stored and reused); undefined if the data cannot support one. */
  private async fittedModel(cutoff: string, currency: string, margin: number): Promise<string | undefined> {
    if (margin === 0) return undefined; // the models refuse a zero margin: there is no value to predict
    try {
      return (await this.predictive.model({ cutoff, currency, margin })).modelId;
    } catch (error) {
      if (error instanceof NotEnoughAnalyticsDataError) return undefined;
      throw error;
    }
  }

  /** Sum of a model's predicted CLV per campaign|channel of the customers' acquisition. */
  private async predictedClv(
    modelId: string | undefined,
  ): Promise<{ modelId: string; byCampaign: Map<string, number> } | undefined> {
    if (modelId === undefined) return undefined;
    const rows = await answerRows<{ key: string; clv_minor: number }>(
      this.ch,
      `SELECT concat(c.campaign, '|', c.acquisition_channel) AS key, sum(p.clv_minor) AS clv_minor
       FROM (SELECT customer_id, clv_minor FROM ${this.ch.database}.clv_predictions FINAL
             WHERE model_id = {modelId:String}) AS p
       INNER JOIN (SELECT customer_id, campaign, acquisition_channel FROM ${this.ch.database}.customers FINAL
                   WHERE campaign != '') AS c ON c.customer_id = p.customer_id
       GROUP BY key`,
      { modelId },
    );
    return { modelId, byCampaign: new Map(rows.map((r) => [r.key, r.clv_minor])) };
  }
}
