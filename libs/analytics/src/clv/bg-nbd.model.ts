import { minimizeBfgs } from './bfgs.optimizer';
import {
  bgNbdSample,
  bgNbdSampleLogLikelihood,
  thinBgNbdSample,
  type BgNbdSample,
} from './bg-nbd.likelihood';
import { minimizeLogLikelihood } from './likelihood.optimizer';
import { hyp2f1MinusOne, logAddExp, logBeta, logGamma, logHyp2f1 } from './special-functions';

/**
 * BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): while alive, a customer buys as
 * a Poisson process with rate lambda ~ Gamma(r, alpha); after each purchase they die with probability
 * p ~ Beta(a, b). Fitted on each customer's (x, t_x, T): repeat transactions, time of the last one and time
 * observed, both measured from the first purchase, in the model's time unit (weeks for the published fits).
 */
export type { WeightedRecencyFrequency } from './bg-nbd.likelihood';

export interface BgNbdParams {
  readonly r: number;
  readonly alpha: number;
  readonly a: number;
  readonly b: number;
}

export interface RecencyFrequency {
  readonly x: number;
  readonly tx: number;
  readonly T: number;
}

export interface BgNbdFit {
  readonly params: BgNbdParams;
  readonly logLikelihood: number;
  readonly iterations: number;
  readonly converged: boolean;
  readonly customers: number;
}

/**
 * The parts of ln L that depend on x and the parameters only (equation (6) of the paper):
 *   base  = ln Γ(r+x) − ln Γ(r) + r ln α + ln B(a, b+x) − ln B(a, b)
 *   death = ln a − ln(b+x−1)   (x > 0 only: the customer may have died just after the last purchase)
 */
function frequencyTerms({ r, alpha, a, b }: BgNbdParams, x: number): { base: number; death: number } {
  return {
    base: logGamma(r + x) - logGamma(r) + r * Math.log(alpha) + logBeta(a, b + x) - logBeta(a, b),
    death: x > 0 ? Math.log(a) - Math.log(b + x - 1) : -Infinity,
  };
}

/** ln L(r, alpha, a, b | x, t_x, T): the likelihood's sum of two terms done as a log-sum-exp. */
export function bgNbdLogLikelihood(params: BgNbdParams, rf: RecencyFrequency): number {
  return logLikelihoodWith(params, rf, frequencyTerms(params, rf.x));
}

function logLikelihoodWith(
  { r, alpha }: BgNbdParams,
  { x, tx, T }: RecencyFrequency,
  terms: { base: number; death: number },
): number {
  const alive = -(r + x) * Math.log(alpha + T);
  const dead = x > 0 ? terms.death - (r + x) * Math.log(alpha + tx) : -Infinity;
  return terms.base + logAddExp(alive, dead);
}

export function bgNbdTotalLogLikelihood(params: BgNbdParams, customers: readonly RecencyFrequency[]): number {
  const { r, alpha, a, b } = params;
  return bgNbdSampleLogLikelihood(bgNbdSample(customers), [r, alpha, a, b]);
}

/**
 * Maximum likelihood on the logs of the four parameters (all must be positive), started at
 * r = alpha = a = b = 1: BFGS with the exact gradient, on each distinct (x, t_x, T) once with its count.
 */
export function fitBgNbd(customers: readonly RecencyFrequency[]): BgNbdFit {
  if (customers.length === 0) throw new RangeError('BG/NBD needs at least one customer');
  return fitBgNbdSample(bgNbdSample(customers));
}

/**
 * The same fit on histories already grouped with their counts (e.g. by ClickHouse). `thinnedStartAbove`:
 * how many distinct histories make it worth starting from a fit on a thinned sample (tests lower it).
 */
export function fitBgNbdWeighted(
  histories: readonly (RecencyFrequency & { readonly count?: number })[],
  { thinnedStartAbove = THINNED_START_ABOVE }: { thinnedStartAbove?: number } = {},
): BgNbdFit {
  if (histories.length === 0) throw new RangeError('BG/NBD needs at least one customer');
  return fitBgNbdSample(bgNbdSample(histories), thinnedStartAbove);
}

/** Above this many distinct histories a fit on a thinned sample starts the full one (see fitBgNbdSample). */
const THINNED_START_ABOVE = 20_000;

function fitBgNbdSample(sample: BgNbdSample, thinnedStartAbove = THINNED_START_ABOVE): BgNbdFit {
  const fromLog = (logParams: readonly number[]) => logParams.map(Math.exp);
  const objective =
    (on: BgNbdSample) =>
    (logParams: readonly number[], gradient: number[]): number => {
      const value = -bgNbdSampleLogLikelihood(on, fromLog(logParams), gradient);
      for (let i = 0; i < gradient.length; i++) gradient[i] = -gradient[i];
      return value;
    };
  // A large base is first fitted on about THINNED_START_ABOVE / 2 of its histories: most of the iterations
  // happen there, and the full likelihood starts near its maximum with that fit's curvature estimate, so it
  // needs only a few evaluations. The answer is the full likelihood's maximum either way.
  let start = [0, 0, 0, 0];
  let inverseHessian: number[][] | undefined;
  let coarseIterations = 0;
  if (sample.counts.length > thinnedStartAbove) {
    const thinned = thinBgNbdSample(sample, Math.ceil((2 * sample.counts.length) / thinnedStartAbove));
    const coarse = minimizeBfgs(objective(thinned), start);
    coarseIterations = coarse.iterations;
    if (coarse.converged) ({ x: start, inverseHessian } = coarse);
  }
  const result = minimizeLogLikelihood(objective(sample), start, { inverseHessian });
  const [r, alpha, a, b] = fromLog(result.x);
  return {
    params: { r, alpha, a, b },
    logLikelihood: -result.value,
    iterations: coarseIterations + result.iterations,
    converged: result.converged,
    customers: sample.customers,
  };
}

/**
 * Odds that the customer died just after the last purchase rather than being alive at T (0 when x = 0):
 * (a / (b + x − 1)) · ((α + T) / (α + t_x))^(r + x).
 */
function deathOdds({ r, alpha, a, b }: BgNbdParams, { x, tx, T }: RecencyFrequency): number {
  if (x === 0) return 0;
  return (a / (b + x - 1)) * Math.exp((r + x) * (Math.log(alpha + T) - Math.log(alpha + tx)));
}

/** P(alive | x, t_x, T) = 1 / (1 + death odds) (Fader, Hardie & Lee 2008, "Computing P(alive) using the BG/NBD"). */
export function bgNbdProbabilityAlive(params: BgNbdParams, rf: RecencyFrequency): number {
  return 1 / (1 + deathOdds(params, rf));
}

/**
 * (a + b + x − 1)/(a − 1) · [1 − tail] is 0/0 at a = 1; both factors change sign together, and an a within
 * 1e-9 of 1 is moved off it (the expectation is continuous in a).
 */
function awayFromOne(a: number): number {
  return Math.abs(a - 1) < 1e-9 ? 1 + 1e-9 : a;
}

function ratioTimesOneMinusTail(a: number, b: number, x: number, logTail: number): number {
  return ((a + b + x - 1) / (a - 1)) * -Math.expm1(logTail);
}

/**
 * E[Y(t) | x, t_x, T]: expected transactions in the next t time units (equation (10) of the paper):
 *   (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x−1; t/(α+T+t))] / (1 + death odds)
 * that is P(alive | x, t_x, T) times the expectation of a customer known to be alive at T.
 */
export function bgNbdConditionalExpectedTransactions(
  params: BgNbdParams,
  rf: RecencyFrequency,
  t: number,
): number {
  return bgNbdExpectedTransactionsIfAlive(params, rf.x, rf.T, t) / (1 + deathOdds(params, rf));
}

/**
 * E[Y(t) | alive at T, x]: expected transactions in the next t time units of a customer still alive after x
 * repeat purchases in T; t_x does not enter (it only moves P(alive)), so customers with the same x and T
 * share it whatever their recency.
 */
export function bgNbdExpectedTransactionsIfAlive(
  params: BgNbdParams,
  x: number,
  T: number,
  t: number,
): number {
  if (t <= 0) return 0;
  const { r, alpha, b } = params;
  const a = awayFromOne(params.a);
  // Euler's transformation 2F1(A, B; C; z) = (1 − z)^(C−A−B) 2F1(C−A, C−B; C; z) turns equation (10)'s
  //   ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x−1; z), z = t/(α+T+t)
  // into ((α+T)/(α+T+t))^(a−1) · 2F1(a+b−1−r, a−1; a+b+x−1; z), whose terms stay below 1 and shrink at
  // least as fast as z^n, however many purchases x: summed without logarithms, it is much cheaper.
  const logRatio = Math.log(alpha + T) - Math.log(alpha + T + t);
  const z = t / (alpha + T + t);
  const c = a + b + x - 1;
  const series = c > 0 ? hyp2f1MinusOne(a + b - 1 - r, a - 1, c, z) : NaN;
  const logTail = Number.isFinite(series)
    ? (a - 1) * logRatio + Math.log1p(series)
    : (r + x) * logRatio + logHyp2f1(r + x, b + x, c, z);
  return ((a + b + x - 1) / (a - 1)) * -Math.expm1(logTail);
}

/**
 * E[X(t)]: expected repeat transactions of a new customer in (0, t] (equation (9) of the paper):
 *   (a+b−1)/(a−1) · [1 − (α/(α+t))^r · 2F1(r, b; a+b−1; t/(α+t))]
 */
export function bgNbdExpectedTransactions({ r, alpha, a: aRaw, b }: BgNbdParams, t: number): number {
  if (t <= 0) return 0;
  const a = awayFromOne(aRaw);
  const logTail = r * (Math.log(alpha) - Math.log(alpha + t)) + logHyp2f1(r, b, a + b - 1, t / (alpha + t));
  return ratioTimesOneMinusTail(a, b, 0, logTail);
}
