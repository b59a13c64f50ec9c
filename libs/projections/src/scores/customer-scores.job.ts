import {
  AnalyticsStoreUnavailableError,
  NotEnoughAnalyticsDataError,
  PredictiveLtvQuery,
  selectRows,
  type AnalyticsClient,
} from '@crm/analytics';
import { CustomerScoresRepository, type CustomerScoreRow } from '@crm/read-model';
import type { DataSource } from 'typeorm';

/** The portfolio matrix's defaults, as GET /v1/analytics/portfolio-matrix answers without parameters. */
const P_ALIVE_THRESHOLD = 0.5;
const POTENTIAL_QUANTILE = 0.5;
/** Prediction horizon of the scored CLV, in weeks: a year, as the predictive-ltv answer's default. */
const HORIZON_WEEKS = 52;

export interface CustomerScoresSettings {
  /** Currency the model is fitted in. */
  readonly currency: string;
  /** Customers per ClickHouse read and read-model write. */
  readonly batchSize: number;
  /** The clock: the model's cutoff is its UTC day. */
  readonly now?: () => Date;
}

export interface CustomerScoresRun {
  /** `skipped`: the data cannot support a model yet (too few buyers, no fit); nothing was changed. */
  readonly status: 'scored' | 'skipped';
  readonly reason?: string;
  readonly modelId?: string;
  readonly cutoff: string;
  readonly currency: string;
  /** The analytics projection's position the model was fitted at. */
  readonly dataPosition?: string;
  readonly scoredAt: string;
  /** Customers written. */
  readonly scored: number;
  readonly batches: number;
  /** Scores of older models removed (customers the latest model no longer scores). */
  readonly removed: number;
}

interface ScoreRow {
  customer_id: string;
  clv_minor: number;
  p_alive: number;
  high_potential: boolean | number;
  high_loyalty: boolean | number;
  action: string;
  segment: string | null;
}

/**
 * Copies what the analytical models say of each customer (predicted CLV and P(alive) of the latest CLV
 * model, RFM segment, portfolio quadrant and action) from ClickHouse into the read model's
 * `customer_scores`, so the Customer 360 answers them by primary key without calling ClickHouse.
 *
 * One run: fit (or reuse, when the analytics data has not moved) the model as of today, then page through
 * its customers in id order, `batchSize` at a time (a keyset read of the views portfolio_customers and
 * rfm_customers, an upsert in one transaction), so a run holds one batch in memory whatever the base's
 * size; finally drop the scores of older models. Each row is written whole, so a customer's values always
 * come from one model, and a run that dies half-way leaves rows of the old or the new model, each
 * consistent; the next run finishes the job. Runs in one process are serialised (a second caller gets the
 * run in progress).
 */
export class CustomerScoresJob {
  private readonly scores: CustomerScoresRepository;
  private running?: Promise<CustomerScoresRun>;

  constructor(
    private readonly ch: AnalyticsClient,
    readModel: DataSource,
    private readonly settings: CustomerScoresSettings,
  ) {
    this.scores = new CustomerScoresRepository(readModel);
  }

  run(): Promise<CustomerScoresRun> {
    this.running ??= this.score().finally(() => (this.running = undefined));
    return this.running;
  }

  private async score(): Promise<CustomerScoresRun> {
    if (this.ch.elsewhere) throw new AnalyticsStoreUnavailableError(this.ch.elsewhere);
    const now = (this.settings.now ?? (() => new Date()))();
    const scoredAt = now.toISOString();
    const cutoff = scoredAt.slice(0, 10);
    const { currency, batchSize } = this.settings;
    const base = { cutoff, currency, scoredAt, scored: 0, batches: 0, removed: 0 };

    let model;
    try {
      model = await new PredictiveLtvQuery(this.ch).model({
        cutoff,
        currency,
        horizonWeeks: HORIZON_WEEKS,
      });
    } catch (error) {
      if (!(error instanceof NotEnoughAnalyticsDataError)) throw error;
      return { ...base, status: 'skipped', reason: error.message };
    }

    let scored = 0;
    let batches = 0;
    for (let after = ''; ;) {
      const rows = await this.batch(model.modelId, cutoff, currency, after, batchSize);
      if (rows.length === 0) break;
      await this.scores.write(
        rows.map((r): CustomerScoreRow => ({
          customerId: r.customer_id,
          modelId: model.modelId,
          cutoff,
          currency,
          predictedClvMinor: r.clv_minor,
          pAlive: r.p_alive,
          // Outside the RFM view (no purchase in the currency by the cutoff): ClickHouse's LEFT JOIN gives ''.
          rfmSegment: r.segment ? r.segment : null,
          portfolioPotential: r.high_potential ? 'high' : 'low',
          portfolioLoyalty: r.high_loyalty ? 'high' : 'low',
          portfolioAction: r.action,
          scoredAt,
        })),
      );
      scored += rows.length;
      batches += 1;
      after = rows[rows.length - 1].customer_id;
      if (rows.length < batchSize) break;
    }
    const removed = await this.scores.retainOnly(model.modelId);
    return {
      ...base,
      status: 'scored',
      modelId: model.modelId,
      dataPosition: model.dataPosition,
      scored,
      batches,
      removed,
    };
  }

  /** The next `limit` customers of the model after `after`, in id order, with their quadrant and segment. */
  private batch(
    modelId: string,
    cutoff: string,
    currency: string,
    after: string,
    limit: number,
  ): Promise<ScoreRow[]> {
    const db = this.ch.database;
    return selectRows<ScoreRow>(
      this.ch.client,
      `SELECT p.customer_id AS customer_id, p.clv_minor AS clv_minor, p.p_alive AS p_alive,
              p.high_potential AS high_potential, p.high_loyalty AS high_loyalty, p.action AS action,
              r.segment AS segment
       FROM ${db}.portfolio_customers(model_id = {modelId:String}, p_alive_threshold = {pAlive:Float64},
                                      potential_quantile = {quantile:Float64}) AS p
       LEFT JOIN (
           SELECT customer_id, segment
           FROM ${db}.rfm_customers(cutoff = {cutoff:Date}, currency = {currency:String})
           WHERE customer_id > {after:String}
       ) AS r ON r.customer_id = p.customer_id
       WHERE p.customer_id > {after:String}
       ORDER BY p.customer_id
       LIMIT {limit:UInt32}`,
      {
        modelId,
        pAlive: P_ALIVE_THRESHOLD,
        quantile: POTENTIAL_QUANTILE,
        cutoff,
        currency,
        after,
        limit,
      },
    );
  }
}
