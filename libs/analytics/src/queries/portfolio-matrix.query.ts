import type { AnalyticsClient } from '../clickhouse/analytics-client.factory';
import { moneyAmount, type MoneyAmount } from './analytics-money';
import { checkNumber } from './analytics-query.params';
import { answerRows } from './analytics-rows';
import { economicsViewParams, EVENTS_ONLY_ECONOMICS, type CustomerEconomics } from './customer-economics';
import { PredictiveLtvQuery, type ClvModelParams, type StoredClvModel } from './predictive-ltv.query';

/**
 * The four quadrants of the customer portfolio matrix, business potential (predicted CLV) x loyalty
 * (P(alive) and retention), with what to do about each.
 */
export const PORTFOLIO_QUADRANTS = [
  { action: 'acquire more like them', potential: 'high', loyalty: 'high' },
  { action: 'develop', potential: 'low', loyalty: 'high' },
  { action: 'retain', potential: 'high', loyalty: 'low' },
  { action: 'remove or serve at lower cost', potential: 'low', loyalty: 'low' },
] as const;
export type PortfolioAction = (typeof PORTFOLIO_QUADRANTS)[number]['action'];

export interface PortfolioThresholds {
  /** Loyal: P(alive) at or above this (0-1) and at least one repeat purchase. Default 0.5. */
  readonly pAliveThreshold?: number;
  /** High potential: predicted CLV above this quantile of the model's customers (0-1). Default 0.5, the median. */
  readonly potentialQuantile?: number;
}

export interface PortfolioQuadrant {
  readonly action: PortfolioAction;
  readonly potential: 'high' | 'low';
  readonly loyalty: 'high' | 'low';
  readonly customers: number;
  readonly predictedClv: MoneyAmount;
  readonly historicalRevenue: MoneyAmount;
  readonly averagePAlive: number | null;
  /** Customers placed here because they cost more than they bring (profit < 0 as of the cutoff). */
  readonly unprofitable: number;
}

export interface PortfolioMatrixAnswer {
  readonly model: StoredClvModel;
  readonly pAliveThreshold: number;
  readonly potentialQuantile: number;
  /** The predicted CLV a customer must exceed to count as high potential. */
  readonly clvThreshold: MoneyAmount;
  readonly quadrants: readonly PortfolioQuadrant[];
}

/**
 * Profitability as of the end of time: every event stored counts (quadrants of a model without a cutoff). The
 * day before the last Date, since the views read up to the day after the cutoff.
 */
const ALL_DAYS = '2149-06-05';

/**
 * The portfolio matrix of the CLV model for a cutoff (view portfolio_profitability: portfolio_customers over
 * clv_predictions, with customer_profitability): a customer who costs more than they bring is placed in
 * 'remove or serve at lower cost', whatever the model predicts.
 */
export class PortfolioMatrixQuery {
  constructor(
    private readonly ch: AnalyticsClient,
    private readonly predictive: PredictiveLtvQuery = new PredictiveLtvQuery(ch),
    private readonly economics: CustomerEconomics = EVENTS_ONLY_ECONOMICS,
  ) {}

  async matrix(params: ClvModelParams & PortfolioThresholds): Promise<PortfolioMatrixAnswer> {
    const thresholds = checkThresholds(params);
    const model = await this.predictive.model(params);
    return { model, ...(await this.quadrants(model.modelId, model.currency, thresholds, model.cutoff)) };
  }

  /** The quadrants of a stored model's predictions, profitability as of `cutoff` (default: everything stored). */
  async quadrants(
    modelId: string,
    currency: string,
    thresholds: PortfolioThresholds,
    cutoff: string = ALL_DAYS,
  ): Promise<Omit<PortfolioMatrixAnswer, 'model'>> {
    const { pAliveThreshold, potentialQuantile } = checkThresholds(thresholds);
    const rows = await answerRows<{
      action: PortfolioAction;
      customers: number;
      clv_minor: number;
      revenue_minor: number;
      avg_p_alive: number;
      clv_threshold: number;
      unprofitable: number;
    }>(
      this.ch,
      `SELECT action, count() AS customers, sum(clv_minor) AS clv_minor, sum(revenue_minor) AS revenue_minor,
              avg(p_alive) AS avg_p_alive, any(clv_threshold) AS clv_threshold,
              countIf(unprofitable) AS unprofitable
       FROM ${this.ch.database}.portfolio_profitability(
           model_id = {modelId:String}, p_alive_threshold = {pAlive:Float64}, potential_quantile = {quantile:Float64},
           cutoff = {cutoff:Date}, currency = {currency:String}, margin = {margin:Float64},
           cost_channels = {cost_channels:Array(String)}, cost_minor = {cost_minor:Array(Int64)})
       GROUP BY action`,
      {
        modelId,
        pAlive: pAliveThreshold,
        quantile: potentialQuantile,
        cutoff,
        currency,
        ...economicsViewParams(this.economics, currency),
      },
    );
    const byAction = new Map(rows.map((r) => [r.action, r]));
    return {
      pAliveThreshold,
      potentialQuantile,
      clvThreshold: moneyAmount(rows[0]?.clv_threshold ?? 0, currency),
      quadrants: PORTFOLIO_QUADRANTS.map((q) => {
        const r = byAction.get(q.action);
        return {
          ...q,
          customers: r?.customers ?? 0,
          predictedClv: moneyAmount(r?.clv_minor ?? 0, currency),
          historicalRevenue: moneyAmount(r?.revenue_minor ?? 0, currency),
          averagePAlive: r ? Math.round(r.avg_p_alive * 1e6) / 1e6 : null,
          unprofitable: r?.unprofitable ?? 0,
        };
      }),
    };
  }
}

function checkThresholds(t: PortfolioThresholds): Required<PortfolioThresholds> {
  return {
    pAliveThreshold: checkNumber('pAliveThreshold', t.pAliveThreshold ?? 0.5, 0, 1),
    potentialQuantile: checkNumber('potentialQuantile', t.potentialQuantile ?? 0.5, 0, 1),
  };
}
