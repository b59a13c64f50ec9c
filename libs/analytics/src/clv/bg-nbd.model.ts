import { minimizeNelderMead } from './nelder-mead.optimizer';
import { logAddExp, logBeta, logGamma, logHyp2f1 } from './special-functions';

/**
 * BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): while alive, a customer buys as
 * a Poisson process with rate lambda ~ Gamma(r, alpha); after each purchase they die with probability
 * p ~ Beta(a, b). Fitted on each customer's (x, t_x, T): repeat transactions, time of the last one and time
 * observed, both measured from the first purchase.
 */
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

/** ln L(r, alpha, a, b | x, t_x, T), equation (6) of the paper, with its sum done as log-sum-exp. */
export function bgNbdLogLikelihood({ r, alpha, a, b }: BgNbdParams, { x, tx, T }: RecencyFrequency): number {
  const logA1 = logGamma(r + x) - logGamma(r) + r * Math.log(alpha);
  const logA2 = logBeta(a, b + x) - logBeta(a, b);
  const logA3 = -(r + x) * Math.log(alpha + T);
  const logA4 = x > 0 ? Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx) : -Infinity;
  return logA1 + logA2 + logAddExp(logA3, logA4);
}

/** Customers with the same (x, t_x, T) share one likelihood term: evaluated once, weighted by their count. */
function group(customers: readonly RecencyFrequency[]): { rf: RecencyFrequency; count: number }[] {
  const groups = new Map<string, { rf: RecencyFrequency; count: number }>();
  for (const rf of customers) {
    const key = `${rf.x}|${rf.tx}|${rf.T}`;
    const found = groups.get(key);
    if (found) found.count += 1;
    else groups.set(key, { rf, count: 1 });
  }
  return [...groups.values()];
}

export function bgNbdTotalLogLikelihood(params: BgNbdParams, customers: readonly RecencyFrequency[]): number {
  return group(customers).reduce((sum, g) => sum + g.count * bgNbdLogLikelihood(params, g.rf), 0);
}

/** Maximum likelihood by Nelder–Mead on the logs of the four parameters (all must be positive). */
export function fitBgNbd(customers: readonly RecencyFrequency[]): BgNbdFit {
  if (customers.length === 0) throw new RangeError('BG/NBD needs at least one customer');
  const groups = group(customers);
  const fromLog = ([r, alpha, a, b]: readonly number[]): BgNbdParams => ({
    r: Math.exp(r),
    alpha: Math.exp(alpha),
    a: Math.exp(a),
    b: Math.exp(b),
  });
  const negative = (logParams: readonly number[]) => {
    const params = fromLog(logParams);
    let sum = 0;
    for (const g of groups) sum += g.count * bgNbdLogLikelihood(params, g.rf);
    return -sum;
  };
  const result = minimizeNelderMead(negative, [0, 0, 0, 0]);
  return {
    params: fromLog(result.x),
    logLikelihood: -result.value,
    iterations: result.iterations,
    converged: result.converged,
    customers: customers.length,
  };
}

/** Odds that the customer died just after the last purchase rather than being alive at T (0 when x = 0). */
function deathOdds({ r, alpha, a, b }: BgNbdParams, { x, tx, T }: RecencyFrequency): number {
  if (x === 0) return 0;
  return (a / (b + x - 1)) * Math.exp((r + x) * (Math.log(alpha + T) - Math.log(alpha + tx)));
}

/** P(alive | x, t_x, T) (Fader, Hardie & Lee 2008 note "Computing P(alive) using the BG/NBD model"). */
export function bgNbdProbabilityAlive(params: BgNbdParams, rf: RecencyFrequency): number {
  return 1 / (1 + deathOdds(params, rf));
}

/**
 * E[Y(t) | x, t_x, T]: expected transactions in the next t time units (equation (10) of the paper).
 * Needs a != 1 (the expression has a - 1 in a denominator; both factors change sign together).
 */
export function bgNbdConditionalExpectedTransactions(
  params: BgNbdParams,
  rf: RecencyFrequency,
  t: number,
): number {
  if (t <= 0) return 0;
  const { r, alpha, a, b } = params;
  const { x, T } = rf;
  const logTail =
    (r + x) * (Math.log(alpha + T) - Math.log(alpha + T + t)) +
    logHyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t));
  return (((a + b + x - 1) / (a - 1)) * -Math.expm1(logTail)) / (1 + deathOdds(params, rf));
}

/** E[X(t)]: expected transactions of a new customer in (0, t] (equation (9) of the paper). */
export function bgNbdExpectedTransactions({ r, alpha, a, b }: BgNbdParams, t: number): number {
  if (t <= 0) return 0;
  const logTail = r * (Math.log(alpha) - Math.log(alpha + t)) + logHyp2f1(r, b, a + b - 1, t / (alpha + t));
  return ((a + b - 1) / (a - 1)) * -Math.expm1(logTail);
}
