import { createHash } from 'node:crypto';
import type { AnalyticsClient } from '../clickhouse/analytics-client.factory';
import { toClickHouseDateTime } from '../clickhouse/clickhouse-statements';
import { clvHoldoutReport, type ClvHoldoutReport } from '../clv/clv-holdout.report';
import { CLV_MODEL_VERSION, fitClvModel, predictClvAll, type ClvModel } from '../clv/clv.model';
import { AnalyticsProjector } from '../projector/analytics.projector';
import { moneyAmount, type MoneyAmount } from './analytics-money';
import { clvDataShortfall, clvFitFailure } from '../clv/clv-fit.check';
import { ClvFitFailedError, NotEnoughAnalyticsDataError } from './analytics-query.errors';
import { checkAsOf, checkDay, checkInteger, checkNumber, type AsOfParams } from './analytics-query.params';
import { answerRows } from './analytics-rows';
import { ClvSummaryQuery } from './clv-summary.query';
import { InvalidAnalyticsParameterError } from './analytics-query.errors';

/** What a CLV model is fitted on and predicts with. */
export interface ClvModelParams extends AsOfParams {
  /** Prediction horizon in weeks (the models' time unit), 1-520. Default 52. */
  readonly horizonWeeks?: number;
  /** Annual discount rate of future value, 0-1. Default 0.1. */
  readonly annualDiscountRate?: number;
  /** Share of revenue counted as value, (0, 1]. Default 1 (revenue CLV). */
  readonly margin?: number;
}

/** A fitted model as stored in clv_models. */
export interface StoredClvModel {
  readonly modelId: string;
  readonly modelVersion: string;
  readonly fittedAt: string;
  readonly cutoff: string;
  readonly currency: string;
  readonly timeUnitDays: number;
  /** Customers who bought in the currency by the cutoff: the BG/NBD sample. */
  readonly customers: number;
  /** Customers with a repeat purchase (x > 0) by the cutoff. */
  readonly repeatCustomers: number;
  /** The analytics projection's checkpoint the model was fitted at (decimal string: 64-bit). */
  readonly dataPosition: string;
  readonly bgNbd: {
    readonly r: number;
    readonly alpha: number;
    readonly a: number;
    readonly b: number;
    readonly logLikelihood: number;
    readonly iterations: number;
    readonly converged: boolean;
  };
  readonly gammaGamma: {
    readonly p: number;
    readonly q: number;
    /** Scale of the spend distribution, in major units of the currency. */
    readonly gamma: number;
    /** The sample fitted: customers with a repeat purchase worth more than 0 (x > 0 and a mean above 0). */
    readonly customers: number;
    readonly logLikelihood: number;
    readonly iterations: number;
    readonly converged: boolean;
  };
  readonly horizonWeeks: number;
  readonly annualDiscountRate: number;
  readonly margin: number;
}

export interface CustomerClv {
  readonly customerId: string;
  readonly x: number;
  readonly tx: number;
  readonly T: number;
  readonly historicalRevenue: MoneyAmount;
  readonly pAlive: number;
  readonly expectedPurchases: number;
  readonly expectedSpend: MoneyAmount;
  readonly clv: MoneyAmount;
}

export interface PredictiveLtvAnswer {
  readonly model: StoredClvModel;
  readonly totals: {
    readonly customers: number;
    readonly expectedPurchases: number;
    readonly clv: MoneyAmount;
    readonly averageClv: MoneyAmount;
    readonly averagePAlive: number;
  };
  /** Highest predicted CLV first, paged. */
  readonly customers: readonly CustomerClv[];
}

export interface HoldoutAnswer {
  readonly model: StoredClvModel;
  readonly holdoutEnd: string;
  readonly report: ClvHoldoutReport;
}

interface ModelRow {
  model_id: string;
  model_version: string;
  fitted_at: string;
  cutoff: string;
  currency: string;
  time_unit_days: number;
  customers: number;
  /** The Gamma-Gamma sample (customers with x > 0 and repeat purchases worth more than 0). */
  repeat_customers: number;
  customers_with_repeats: number;
  data_position: string;
  bgnbd_r: number;
  bgnbd_alpha: number;
  bgnbd_a: number;
  bgnbd_b: number;
  bgnbd_log_likelihood: number;
  bgnbd_iterations: number;
  bgnbd_converged: boolean;
  gg_p: number;
  gg_q: number;
  gg_gamma: number;
  gg_log_likelihood: number;
  gg_iterations: number;
  gg_converged: boolean;
  horizon_weeks: number;
  annual_discount_rate: number;
  margin: number;
}

const PREDICTION_CHUNK = 50_000;
const PREDICTION_COLUMNS: [string, ...string[]] = [
  'model_id',
  'customer_id',
  'x',
  't_x',
  'T',
  'revenue_minor',
  'p_alive',
  'expected_purchases',
  'expected_spend_minor',
  'clv_minor',
];
const round6 = (value: number) => Math.round(value * 1e6) / 1e6;

/**
 * Predictive LTV: BG/NBD and Gamma-Gamma (libs/analytics/src/clv) fitted on the summary ClickHouse computes
 * as of the cutoff (view clv_summary), stored with their log-likelihoods and model version (clv_models), and
 * per-customer predictions (clv_predictions).
 *
 * A model is identified by everything it depends on: model version, cutoff, currency, settings and the
 * projection's checkpoint. Asking again for the same inputs reads the stored model; new events move the
 * checkpoint, so the next request fits a new one. Predictions are written before the model row, so a stored
 * model always has all its predictions; refitting the same inputs rewrites identical rows, which the
 * ReplacingMergeTree tables collapse.
 */
export class PredictiveLtvQuery {
  /** Fits in progress in this process, by model id: concurrent requests share one. */
  private readonly inFlight = new Map<string, Promise<StoredClvModel>>();

  constructor(private readonly ch: AnalyticsClient) {}

  async model(params: ClvModelParams): Promise<StoredClvModel> {
    const settings = checkSettings(params);
    const position = (await new AnalyticsProjector(this.ch).checkpoint()) ?? 0n;
    const modelId = createHash('sha256')
      .update(JSON.stringify([CLV_MODEL_VERSION, settings, position.toString()]))
      .digest('hex')
      .slice(0, 32);
    const stored = await this.storedModel(modelId);
    if (stored) return stored;
    let fit = this.inFlight.get(modelId);
    if (!fit) {
      fit = this.fitAndStore(modelId, settings, position).finally(() => this.inFlight.delete(modelId));
      this.inFlight.set(modelId, fit);
    }
    return fit;
  }

  async predictions(
    params: ClvModelParams & { limit?: number; offset?: number },
  ): Promise<PredictiveLtvAnswer> {
    const limit = checkInteger('limit', params.limit ?? 100, 1, 10_000);
    const offset = checkInteger('offset', params.offset ?? 0, 0, Number.MAX_SAFE_INTEGER);
    const model = await this.model(params);
    const table = `${this.ch.database}.clv_predictions`;
    const [totals] = await answerRows<{ customers: number; purchases: number; clv: number; p_alive: number }>(
      this.ch,
      `SELECT count() AS customers, sum(expected_purchases) AS purchases, sum(clv_minor) AS clv, avg(p_alive) AS p_alive
       FROM ${table} FINAL WHERE model_id = {modelId:String}`,
      { modelId: model.modelId },
    );
    const rows = await answerRows<{
      customer_id: string;
      x: number;
      t_x: number;
      T: number;
      revenue_minor: number;
      p_alive: number;
      expected_purchases: number;
      expected_spend_minor: number;
      clv_minor: number;
    }>(
      this.ch,
      `SELECT customer_id, x, t_x, T, revenue_minor, p_alive, expected_purchases, expected_spend_minor, clv_minor
       FROM ${table} FINAL WHERE model_id = {modelId:String}
       ORDER BY clv_minor DESC, customer_id
       LIMIT {limit:UInt32} OFFSET {offset:UInt64}`,
      { modelId: model.modelId, limit, offset },
    );
    const currency = model.currency;
    return {
      model,
      totals: {
        customers: totals.customers,
        expectedPurchases: round6(totals.purchases),
        clv: moneyAmount(totals.clv, currency),
        averageClv: moneyAmount(totals.customers > 0 ? totals.clv / totals.customers : 0, currency),
        averagePAlive: round6(totals.p_alive),
      },
      customers: rows.map((r) => ({
        customerId: r.customer_id,
        x: r.x,
        tx: r.t_x,
        T: r.T,
        historicalRevenue: moneyAmount(r.revenue_minor, currency),
        pAlive: round6(r.p_alive),
        expectedPurchases: round6(r.expected_purchases),
        expectedSpend: moneyAmount(r.expected_spend_minor, currency),
        clv: moneyAmount(r.clv_minor, currency),
      })),
    };
  }

  /**
   * Whether to trust the model: fitted up to the cutoff, its expected transactions between the cutoff and
   * holdoutEnd against what each calibration-frequency group actually did (clv_holdout).
   */
  async holdout(params: ClvModelParams & { holdoutEnd: string }): Promise<HoldoutAnswer> {
    const holdoutEnd = checkDay('holdoutEnd', params.holdoutEnd);
    if (holdoutEnd <= params.cutoff) {
      throw new InvalidAnalyticsParameterError('holdoutEnd', 'holdoutEnd must be after the cutoff');
    }
    const model = await this.model(params);
    const customers = await new ClvSummaryQuery(this.ch).holdout(model.cutoff, holdoutEnd, model.currency);
    return { model, holdoutEnd, report: clvHoldoutReport(toClvModel(model), customers) };
  }

  private async fitAndStore(modelId: string, settings: Settings, position: bigint): Promise<StoredClvModel> {
    const summary = await new ClvSummaryQuery(this.ch).summary(settings.cutoff, settings.currency);
    const shortfall = clvDataShortfall({
      customers: summary.length,
      spendCustomers: summary.filter((c) => c.x > 0 && c.meanRepeatMinor > 0).length,
    });
    if (shortfall) {
      throw new NotEnoughAnalyticsDataError(
        `Not enough purchases in ${settings.currency} by ${settings.cutoff} for a CLV model: ${shortfall}`,
      );
    }
    let fitted: ClvModel;
    let predictions: ReturnType<typeof predictClvAll>;
    try {
      fitted = fitClvModel(summary, { cutoff: settings.cutoff, currency: settings.currency });
      const failure = clvFitFailure(fitted);
      if (failure) {
        throw new ClvFitFailedError(
          `The CLV models could not be fitted on the ${summary.length} customers of ${settings.currency} by ` +
            `${settings.cutoff}: ${failure}`,
        );
      }
      predictions = predictClvAll(fitted, summary, {
        horizon: settings.horizonWeeks,
        annualDiscountRate: settings.annualDiscountRate,
        margin: settings.margin,
      });
    } catch (error) {
      // The numerics give up on degenerate samples (a handful of customers whose maximum-likelihood fit runs
      // off to infinite parameters): that is a property of the data, not a server fault.
      if (!(error instanceof RangeError)) throw error;
      throw new ClvFitFailedError(
        `The CLV models cannot be fitted on the ${summary.length} customers of ${settings.currency} by ` +
          `${settings.cutoff}: ${error.message}`,
      );
    }
    // Arrays under named columns (JSONCompactEachRow): a third of the bytes of keyed objects to encode and
    // parse, for a row per customer of the base.
    const rows = predictions.map((p, i) => [
      modelId,
      p.customerId,
      summary[i].x,
      summary[i].tx,
      summary[i].T,
      summary[i].revenueMinor,
      p.pAlive,
      p.expectedPurchases,
      p.expectedSpendMinor,
      p.clvMinor,
    ]);
    for (let i = 0; i < rows.length; i += PREDICTION_CHUNK) {
      await this.ch.client.insert({
        table: `${this.ch.database}.clv_predictions`,
        columns: PREDICTION_COLUMNS,
        values: rows.slice(i, i + PREDICTION_CHUNK),
        format: 'JSONCompactEachRow',
      });
    }
    const bg = fitted.bgNbd;
    const gg = fitted.gammaGamma!;
    // Written last: a model row means its predictions are all there.
    await this.ch.client.insert({
      table: `${this.ch.database}.clv_models`,
      format: 'JSONEachRow',
      values: [
        {
          model_id: modelId,
          model_version: fitted.modelVersion,
          fitted_at: toClickHouseDateTime(new Date()),
          cutoff: fitted.cutoff,
          currency: fitted.currency,
          time_unit_days: fitted.timeUnitDays,
          customers: fitted.customers,
          // The column holds the Gamma-Gamma sample (its documented meaning); customers with x > 0 are
          // counted from the predictions when the model is read.
          repeat_customers: gg.customers,
          data_position: position.toString(),
          bgnbd_r: bg.params.r,
          bgnbd_alpha: bg.params.alpha,
          bgnbd_a: bg.params.a,
          bgnbd_b: bg.params.b,
          bgnbd_log_likelihood: bg.logLikelihood,
          bgnbd_iterations: bg.iterations,
          bgnbd_converged: bg.converged,
          gg_p: gg.params.p,
          gg_q: gg.params.q,
          gg_gamma: gg.params.gamma,
          gg_log_likelihood: gg.logLikelihood,
          gg_iterations: gg.iterations,
          gg_converged: gg.converged,
          horizon_weeks: settings.horizonWeeks,
          annual_discount_rate: settings.annualDiscountRate,
          margin: settings.margin,
        },
      ],
    });
    const stored = await this.storedModel(modelId);
    if (!stored) throw new Error(`CLV model ${modelId} was written but cannot be read back`);
    return stored;
  }

  private async storedModel(modelId: string): Promise<StoredClvModel | undefined> {
    const [row] = await answerRows<ModelRow>(
      this.ch,
      `SELECT * EXCEPT (fitted_at, cutoff, data_position), toString(fitted_at) AS fitted_at,
              toString(cutoff) AS cutoff, toString(data_position) AS data_position,
              (SELECT countIf(x > 0) FROM ${this.ch.database}.clv_predictions FINAL
               WHERE model_id = {modelId:String}) AS customers_with_repeats
       FROM ${this.ch.database}.clv_models FINAL WHERE model_id = {modelId:String}`,
      { modelId },
    );
    return row ? fromRow(row) : undefined;
  }
}

interface Settings {
  readonly cutoff: string;
  readonly currency: string;
  readonly horizonWeeks: number;
  readonly annualDiscountRate: number;
  readonly margin: number;
}

function checkSettings(params: ClvModelParams): Settings {
  const { cutoff, currency } = checkAsOf(params);
  const margin = checkNumber('margin', params.margin ?? 1, 0, 1);
  if (margin === 0) throw new InvalidAnalyticsParameterError('margin', 'margin must be above 0');
  return {
    cutoff,
    currency,
    horizonWeeks: checkInteger('horizonWeeks', params.horizonWeeks ?? 52, 1, 520),
    annualDiscountRate: checkNumber('annualDiscountRate', params.annualDiscountRate ?? 0.1, 0, 1),
    margin,
  };
}

function fromRow(r: ModelRow): StoredClvModel {
  return {
    modelId: r.model_id,
    modelVersion: r.model_version,
    fittedAt: `${r.fitted_at.replace(' ', 'T')}Z`,
    cutoff: r.cutoff,
    currency: r.currency,
    timeUnitDays: r.time_unit_days,
    customers: r.customers,
    repeatCustomers: Number(r.customers_with_repeats),
    dataPosition: r.data_position,
    bgNbd: {
      r: r.bgnbd_r,
      alpha: r.bgnbd_alpha,
      a: r.bgnbd_a,
      b: r.bgnbd_b,
      logLikelihood: r.bgnbd_log_likelihood,
      iterations: r.bgnbd_iterations,
      converged: Boolean(r.bgnbd_converged),
    },
    gammaGamma: {
      p: r.gg_p,
      q: r.gg_q,
      gamma: r.gg_gamma,
      customers: r.repeat_customers,
      logLikelihood: r.gg_log_likelihood,
      iterations: r.gg_iterations,
      converged: Boolean(r.gg_converged),
    },
    horizonWeeks: r.horizon_weeks,
    annualDiscountRate: r.annual_discount_rate,
    margin: r.margin,
  };
}

/** The stored model back in the shape the clv/ functions predict from. */
export function toClvModel(m: StoredClvModel): ClvModel {
  const { r, alpha, a, b } = m.bgNbd;
  const { p, q, gamma, customers } = m.gammaGamma;
  return {
    modelVersion: m.modelVersion,
    cutoff: m.cutoff,
    currency: m.currency,
    timeUnitDays: m.timeUnitDays,
    customers: m.customers,
    repeatCustomers: m.repeatCustomers,
    bgNbd: { params: { r, alpha, a, b }, ...stats(m.bgNbd) },
    gammaGamma: { params: { p, q, gamma }, ...stats(m.gammaGamma), customers },
  };
}

const stats = (f: { logLikelihood: number; iterations: number; converged: boolean }) => ({
  logLikelihood: f.logLikelihood,
  iterations: f.iterations,
  converged: f.converged,
});
