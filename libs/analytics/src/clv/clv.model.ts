import { minorPerMajor } from '../currency-units';
import {
  bgNbdExpectedTransactionsIfAlive,
  bgNbdProbabilityAlive,
  fitBgNbdWeighted,
  type BgNbdParams,
  type RecencyFrequency,
} from './bg-nbd.model';
import {
  discountedPurchases,
  discountSchedule,
  perPeriodDiscountRate,
  type DiscountSchedule,
} from './clv.discounting';
import { fitGammaGamma, gammaGammaExpectedSpend, type GammaGammaParams } from './gamma-gamma.model';

/**
 * Version of the models and of the summary conventions they are fitted on. Bump it when either changes, so
 * stored fits and predictions say which code made them.
 *   v1: BG/NBD + Gamma-Gamma by maximum likelihood (Nelder–Mead on log-parameters); one transaction per
 *       customer-day (same-day orders summed); spend = mean of the repeat transactions, in major units.
 *   v2: the same likelihoods maximised by BFGS with exact gradients (estimates equal to v1's within 1e-6);
 *       the stored Gamma-Gamma sample is the one fitted (repeat purchases worth more than 0).
 */
export const CLV_MODEL_VERSION = 'bg-nbd+gamma-gamma/v2';

/** One customer as the models see them (the columns of the clv_summary view), times in model units. */
export interface ClvCustomerSummary {
  readonly customerId: string;
  /** Repeat transactions (purchase days after the first) up to the cutoff. */
  readonly x: number;
  /** Time from the first to the last purchase day. */
  readonly tx: number;
  /** Time from the first purchase day to the cutoff. */
  readonly T: number;
  /** Revenue up to the cutoff, first purchase included (minor units). */
  readonly revenueMinor: number;
  /** Mean value of the repeat transactions (minor units; 0 when x = 0). */
  readonly meanRepeatMinor: number;
}

export interface ClvModelFitStats {
  readonly logLikelihood: number;
  readonly iterations: number;
  readonly converged: boolean;
}

/** The fitted models: what to store (clv_models), compare across versions and predict from. */
export interface ClvModel {
  readonly modelVersion: string;
  /** End of calibration (inclusive), YYYY-MM-DD. */
  readonly cutoff: string;
  readonly currency: string;
  /** Days per model time unit (7: weeks). */
  readonly timeUnitDays: number;
  /** Customers in the summary: the BG/NBD sample. */
  readonly customers: number;
  /** Customers with x > 0 (some of them may have repeat purchases worth 0: see gammaGamma.customers). */
  readonly repeatCustomers: number;
  readonly bgNbd: ClvModelFitStats & { readonly params: BgNbdParams };
  /**
   * Null when no customer has a repeat transaction worth more than 0. gamma is in MAJOR units of the
   * currency; `customers` is the sample it was fitted on: x > 0 and a mean repeat value above 0.
   */
  readonly gammaGamma:
    (ClvModelFitStats & { readonly params: GammaGammaParams; readonly customers: number }) | null;
}

export interface FitClvModelOptions {
  readonly cutoff: string;
  readonly currency: string;
  readonly timeUnitDays?: number;
}

/**
 * The customer summary grouped for fitting (ClvSummaryQuery.fitSample: ClickHouse counts the customers):
 * each distinct (x, t_x, T), and each distinct (x, mean repeat value) of those with x > 0.
 */
export interface ClvFitSample {
  /** Customers per distinct history; without `count`, one. */
  readonly histories: readonly (RecencyFrequency & { readonly count?: number })[];
  readonly spend: readonly {
    readonly x: number;
    readonly meanRepeatMinor: number;
    readonly count?: number;
  }[];
}

/** Fits both models on a customer summary (computed in ClickHouse as of `cutoff`). */
export function fitClvModel(customers: readonly ClvCustomerSummary[], options: FitClvModelOptions): ClvModel {
  // Each row is a group of one: no copies of a million rows to make them look like groups.
  return fitClvModelOnSample({ histories: customers, spend: customers }, options);
}

/**
 * The same fit on the grouped summary: what each customer contributes is counted, not repeated. A group
 * without `count` (a row of the summary) counts 1.
 */
export function fitClvModelOnSample(sample: ClvFitSample, options: FitClvModelOptions): ClvModel {
  const bg = fitBgNbdWeighted(sample.histories);
  const perMajor = minorPerMajor(options.currency);
  const spenders = sample.spend
    .filter((c) => c.x > 0 && c.meanRepeatMinor > 0)
    .map((c) => ({ x: c.x, m: c.meanRepeatMinor / perMajor, count: c.count ?? 1 }));
  const gg = spenders.length > 0 ? fitGammaGamma(spenders) : null;
  const stats = (f: ClvModelFitStats) => ({
    logLikelihood: f.logLikelihood,
    iterations: f.iterations,
    converged: f.converged,
  });
  return Object.freeze({
    modelVersion: CLV_MODEL_VERSION,
    cutoff: options.cutoff,
    currency: options.currency,
    timeUnitDays: options.timeUnitDays ?? 7,
    customers: bg.customers,
    repeatCustomers: sample.histories.reduce((n, h) => n + (h.x > 0 ? (h.count ?? 1) : 0), 0),
    bgNbd: Object.freeze({ params: Object.freeze({ ...bg.params }), ...stats(bg) }),
    gammaGamma: gg
      ? Object.freeze({ params: Object.freeze({ ...gg.params }), ...stats(gg), customers: gg.customers })
      : null,
  });
}

export interface ClvPredictionOptions {
  /** Prediction horizon in model time units (52 = a year for a weekly model). */
  readonly horizon: number;
  /** Annual discount rate (0.1 = 10 % a year). Default 0. */
  readonly annualDiscountRate?: number;
  /** Share of revenue counted as value. Default 1 (revenue CLV). */
  readonly margin?: number;
}

export interface ClvPrediction {
  readonly customerId: string;
  readonly pAlive: number;
  /** Expected transactions in the horizon. */
  readonly expectedPurchases: number;
  /** Expected value of one future transaction, minor units. */
  readonly expectedSpendMinor: number;
  /** Discounted expected value over the horizon, times margin, minor units. */
  readonly clvMinor: number;
}

/**
 * Expected value of one future transaction in minor units. Gamma-Gamma's conditional mean when it was fitted
 * and its population mean p·γ/(q − 1) exists (q > 1); otherwise the customer's own mean spend so far.
 */
function expectedSpendMinor(model: ClvModel, c: ClvCustomerSummary): number {
  const perMajor = minorPerMajor(model.currency);
  const gg = model.gammaGamma?.params;
  if (gg && (c.x > 0 || gg.q > 1)) {
    return gammaGammaExpectedSpend(gg, { x: c.x, m: c.meanRepeatMinor / perMajor }) * perMajor;
  }
  return c.revenueMinor / (c.x + 1);
}

interface PurchaseOutlook {
  readonly pAlive: number;
  readonly expectedPurchases: number;
  /** Σ of the purchases expected in each period, discounted: CLV = margin × spend × this. */
  readonly discountedPurchases: number;
}

/**
 * The BG/NBD side of a prediction for a customer alive at T: depends on (x, T) only, so customers with one
 * frequency and age share it; their recency scales it by P(alive) (see purchaseOutlook).
 */
function outlookIfAlive(
  model: ClvModel,
  x: number,
  T: number,
  schedule: DiscountSchedule,
): Omit<PurchaseOutlook, 'pAlive'> {
  const params = model.bgNbd.params;
  const { total, discounted } = discountedPurchases(
    (t) => bgNbdExpectedTransactionsIfAlive(params, x, T, t),
    schedule,
  );
  return { expectedPurchases: total, discountedPurchases: discounted };
}

function scheduleOf(model: ClvModel, options: ClvPredictionOptions): DiscountSchedule {
  return discountSchedule(
    options.horizon,
    perPeriodDiscountRate(options.annualDiscountRate ?? 0, model.timeUnitDays),
  );
}

/** E[Y] = P(alive) · E[Y | alive], and the discounted sum likewise (it is linear in E[Y]). */
function purchaseOutlook(
  model: ClvModel,
  rf: ClvCustomerSummary,
  ifAlive: Omit<PurchaseOutlook, 'pAlive'>,
): PurchaseOutlook {
  const pAlive = bgNbdProbabilityAlive(model.bgNbd.params, rf);
  return {
    pAlive,
    expectedPurchases: pAlive * ifAlive.expectedPurchases,
    discountedPurchases: pAlive * ifAlive.discountedPurchases,
  };
}

function withSpend(
  model: ClvModel,
  customer: ClvCustomerSummary,
  outlook: PurchaseOutlook,
  options: ClvPredictionOptions,
): ClvPrediction {
  const spend = expectedSpendMinor(model, customer);
  return {
    customerId: customer.customerId,
    pAlive: outlook.pAlive,
    expectedPurchases: outlook.expectedPurchases,
    expectedSpendMinor: spend,
    clvMinor: (options.margin ?? 1) * spend * outlook.discountedPurchases,
  };
}

export function predictClv(
  model: ClvModel,
  customer: ClvCustomerSummary,
  options: ClvPredictionOptions,
): ClvPrediction {
  const ifAlive = outlookIfAlive(model, customer.x, customer.T, scheduleOf(model, options));
  return withSpend(model, customer, purchaseOutlook(model, customer, ifAlive), options);
}

/** Predictions for a whole base; the expensive purchase side is computed once per distinct (x, T). */
export function predictClvAll(
  model: ClvModel,
  customers: readonly ClvCustomerSummary[],
  options: ClvPredictionOptions,
): ClvPrediction[] {
  const byFrequency = new Map<number, Map<number, Omit<PurchaseOutlook, 'pAlive'>>>();
  const schedule = scheduleOf(model, options);
  return customers.map((c) => {
    let byAge = byFrequency.get(c.x);
    if (!byAge) byFrequency.set(c.x, (byAge = new Map()));
    let ifAlive = byAge.get(c.T);
    if (!ifAlive) byAge.set(c.T, (ifAlive = outlookIfAlive(model, c.x, c.T, schedule)));
    return withSpend(model, c, purchaseOutlook(model, c, ifAlive), options);
  });
}
