import type { AnalyticsClient } from '../clickhouse/analytics-client.factory';
import { moneyAmount, type MoneyAmount } from './analytics-money';
import { checkAsOf, checkInteger, type AsOfParams } from './analytics-query.params';
import { answerRows } from './analytics-rows';
import { economicsViewParams, type CustomerEconomics } from './customer-economics';

export interface CustomerProfit {
  readonly customerId: string;
  readonly acquisitionChannel: string;
  readonly stage: string;
  readonly revenue: MoneyAmount;
  readonly grossMargin: MoneyAmount;
  readonly contacts: number;
  readonly costToServe: MoneyAmount;
  readonly compensation: MoneyAmount;
  /** grossMargin - costToServe - compensation. */
  readonly profit: MoneyAmount;
}

export interface ProfitabilityAnswer extends AsOfParams {
  readonly margin: number;
  /** The per-channel table applied (minor units of the currency); empty when configured in another currency. */
  readonly costToServeTable: Readonly<Record<string, number>>;
  /** Customers acquired by the cutoff. */
  readonly customers: number;
  /** Of those, with profit below zero: they cost more than they bring. */
  readonly unprofitable: number;
  readonly revenue: MoneyAmount;
  readonly grossMargin: MoneyAmount;
  readonly costToServe: MoneyAmount;
  readonly compensation: MoneyAmount;
  readonly profit: MoneyAmount;
  /** The least profitable customers, lowest profit first. */
  readonly leastProfitable: readonly CustomerProfit[];
}

interface ProfitRow {
  customer_id: string;
  acquisition_channel: string;
  stage: string;
  revenue_minor: number;
  gross_margin_minor: number;
  contacts: number;
  cost_to_serve_minor: number;
  compensation_minor: number;
  profit_minor: number;
}

/** Customer profitability: revenue x margin - cost to serve - compensation (view customer_profitability). */
export class CustomerProfitabilityQuery {
  constructor(
    private readonly ch: AnalyticsClient,
    private readonly economics: CustomerEconomics,
  ) {}

  async profitability(params: AsOfParams & { limit?: number }): Promise<ProfitabilityAnswer> {
    const { cutoff, currency } = checkAsOf(params);
    const limit = checkInteger('limit', params.limit ?? 10, 1, 1000);
    const view = economicsViewParams(this.economics, currency);
    const source = `${this.ch.database}.customer_profitability(cutoff = {cutoff:Date}, currency = {currency:String},
        margin = {margin:Float64}, cost_channels = {cost_channels:Array(String)},
        cost_minor = {cost_minor:Array(Int64)})`;
    const bind = { cutoff, currency, ...view };
    const [totals] = await answerRows<{
      customers: number;
      unprofitable: number;
      total_revenue: number;
      total_margin: number;
      total_cost: number;
      total_compensation: number;
      total_profit: number;
    }>(
      this.ch,
      `SELECT count() AS customers, countIf(profit_minor < 0) AS unprofitable,
              sum(revenue_minor) AS total_revenue, sum(gross_margin_minor) AS total_margin,
              sum(cost_to_serve_minor) AS total_cost, sum(compensation_minor) AS total_compensation,
              sum(profit_minor) AS total_profit
       FROM ${source}`,
      bind,
    );
    const least = await answerRows<ProfitRow>(
      this.ch,
      `SELECT customer_id, acquisition_channel, stage, revenue_minor, gross_margin_minor, contacts,
              cost_to_serve_minor, compensation_minor, profit_minor
       FROM ${source}
       ORDER BY profit_minor, customer_id
       LIMIT {limit:UInt32}`,
      { ...bind, limit },
    );
    const money = (minor: number) => moneyAmount(minor, currency);
    return {
      cutoff,
      currency,
      margin: view.margin,
      costToServeTable: Object.fromEntries(view.cost_channels.map((c, i) => [c, view.cost_minor[i]])),
      customers: totals?.customers ?? 0,
      unprofitable: totals?.unprofitable ?? 0,
      revenue: money(totals?.total_revenue ?? 0),
      grossMargin: money(totals?.total_margin ?? 0),
      costToServe: money(totals?.total_cost ?? 0),
      compensation: money(totals?.total_compensation ?? 0),
      profit: money(totals?.total_profit ?? 0),
      leastProfitable: least.map((r) => ({
        customerId: r.customer_id,
        acquisitionChannel: r.acquisition_channel,
        stage: r.stage,
        revenue: money(r.revenue_minor),
        grossMargin: money(r.gross_margin_minor),
        contacts: r.contacts,
        costToServe: money(r.cost_to_serve_minor),
        compensation: money(r.compensation_minor),
        profit: money(r.profit_minor),
      })),
    };
  }
}
