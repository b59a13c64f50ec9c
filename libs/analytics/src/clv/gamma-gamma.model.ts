import { minimizeNelderMead } from './nelder-mead.optimizer';
import { logGamma } from './special-functions';

/**
 * Gamma-Gamma spend model (Fader, Hardie & Lee 2005 "RFM and CLV: using iso-value curves"; Fader & Hardie
 * 2013 note "The Gamma-Gamma model of monetary value"): transaction values are Gamma(p, nu) around a
 * customer's mean, nu ~ Gamma(q, gamma) across customers. Fitted on the customers with repeat transactions:
 * x = their number, m = their mean value (the first purchase left out). gamma has the unit of the values.
 */
export interface GammaGammaParams {
  readonly p: number;
  readonly q: number;
  readonly gamma: number;
}

export interface SpendSummary {
  /** Repeat transactions (> 0). */
  readonly x: number;
  /** Mean value of those transactions (> 0). */
  readonly m: number;
}

export interface GammaGammaFit {
  readonly params: GammaGammaParams;
  readonly logLikelihood: number;
  readonly iterations: number;
  readonly converged: boolean;
  readonly customers: number;
}

/** ln f(m_x | p, q, gamma, x), the marginal density of a customer's mean spend. */
export function gammaGammaLogLikelihood({ p, q, gamma }: GammaGammaParams, { x, m }: SpendSummary): number {
  const px = p * x;
  return (
    logGamma(px + q) -
    logGamma(px) -
    logGamma(q) +
    q * Math.log(gamma) +
    (px - 1) * Math.log(m) +
    px * Math.log(x) -
    (px + q) * Math.log(gamma + m * x)
  );
}

export function gammaGammaTotalLogLikelihood(
  params: GammaGammaParams,
  customers: readonly SpendSummary[],
): number {
  return customers.reduce((sum, c) => sum + gammaGammaLogLikelihood(params, c), 0);
}

/**
 * The sample arranged for fast evaluation: the terms that depend on x and the parameters only are computed
 * once per distinct x; per customer only (px − 1)·ln m − (px + q)·ln(γ + m·x) remains.
 */
function prepare(sample: readonly SpendSummary[]): (params: GammaGammaParams) => number {
  const byX = new Map<number, { logX: number; m: number[]; logM: number[] }>();
  for (const { x, m } of sample) {
    let entry = byX.get(x);
    if (!entry) byX.set(x, (entry = { logX: Math.log(x), m: [], logM: [] }));
    entry.m.push(m);
    entry.logM.push(Math.log(m));
  }
  const groups = [...byX.entries()].map(([x, e]) => ({ x, ...e }));
  return ({ p, q, gamma }) => {
    const logGammaQ = logGamma(q);
    const qLogGamma = q * Math.log(gamma);
    let sum = 0;
    for (const g of groups) {
      const px = p * g.x;
      const shared = logGamma(px + q) - logGamma(px) - logGammaQ + qLogGamma + px * g.logX;
      sum += g.m.length * shared;
      for (let i = 0; i < g.m.length; i++) {
        sum += (px - 1) * g.logM[i] - (px + q) * Math.log(gamma + g.m[i] * g.x);
      }
    }
    return sum;
  };
}

/** Maximum likelihood by Nelder–Mead on log p, log q, log gamma. Customers with x = 0 or m <= 0 are ignored. */
export function fitGammaGamma(customers: readonly SpendSummary[]): GammaGammaFit {
  const sample = customers.filter((c) => c.x > 0 && c.m > 0);
  if (sample.length === 0) throw new RangeError('Gamma-Gamma needs customers with repeat transactions');
  const fromLog = ([p, q, gamma]: readonly number[]): GammaGammaParams => ({
    p: Math.exp(p),
    q: Math.exp(q),
    gamma: Math.exp(gamma),
  });
  const logLikelihood = prepare(sample);
  // Start gamma near the data's scale: the likelihood is flat far from it.
  const meanSpend = sample.reduce((s, c) => s + c.m, 0) / sample.length;
  const result = minimizeNelderMead(
    (logParams) => -logLikelihood(fromLog(logParams)),
    [0, 0, Math.log(meanSpend)],
  );
  return {
    params: fromLog(result.x),
    logLikelihood: -result.value,
    iterations: result.iterations,
    converged: result.converged,
    customers: sample.length,
  };
}

/**
 * E[M | p, q, gamma, m_x, x]: the expected value of the customer's next transactions, a weighted mean of the
 * population mean p*gamma/(q-1) and the customer's own mean (which weighs more the more they bought).
 */
export function gammaGammaExpectedSpend(
  { p, q, gamma }: GammaGammaParams,
  { x, m }: { x: number; m: number },
): number {
  if (x <= 0) return (p * gamma) / (q - 1);
  return (p * (gamma + m * x)) / (p * x + q - 1);
}
