import { minimizeLogLikelihood } from './likelihood.optimizer';
import { digamma, logGamma } from './special-functions';

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
  /** Customers with this x and m (default 1): summaries grouped by ClickHouse fit as they come. */
  readonly count?: number;
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
 * The spend sample arranged for the likelihood: the terms in x alone once per distinct x, the sums over
 * ln m fixed once, and ln(γ + m·x) — the only term that mixes a customer's data with γ — once per distinct
 * repeat total z = m·x, weighted by the customers with it and the sum of their x.
 */
export interface SpendSample {
  readonly customers: number;
  readonly frequencies: Float64Array;
  readonly customersByFrequency: Float64Array;
  readonly sumLogM: number;
  readonly sumXLogM: number;
  readonly totals: Float64Array;
  readonly customersByTotal: Float64Array;
  readonly frequencyByTotal: Float64Array;
}

export function gammaGammaSample(sample: readonly SpendSummary[]): SpendSample {
  const byX = new Map<number, number>();
  const byTotal = new Map<number, { customers: number; frequency: number }>();
  let customers = 0;
  let sumLogM = 0;
  let sumXLogM = 0;
  for (const { x, m, count = 1 } of sample) {
    customers += count;
    byX.set(x, (byX.get(x) ?? 0) + count);
    const logM = Math.log(m);
    sumLogM += count * logM;
    sumXLogM += count * x * logM;
    const z = m * x;
    const entry = byTotal.get(z);
    if (entry) {
      entry.customers += count;
      entry.frequency += count * x;
    } else byTotal.set(z, { customers: count, frequency: count * x });
  }
  return {
    customers,
    frequencies: Float64Array.from(byX.keys()),
    customersByFrequency: Float64Array.from(byX.values()),
    sumLogM,
    sumXLogM,
    totals: Float64Array.from(byTotal.keys()),
    customersByTotal: Float64Array.from(byTotal.values(), (e) => e.customers),
    frequencyByTotal: Float64Array.from(byTotal.values(), (e) => e.frequency),
  };
}

/**
 * Σ ln f(m | p, q, γ, x) over the sample and its gradient with respect to ln p, ln q, ln γ:
 *   ∂/∂p = Σ x [ψ(px+q) − ψ(px) + ln m + ln x − ln(γ + m x)]
 *   ∂/∂q = Σ [ψ(px+q) − ψ(q) + ln γ − ln(γ + m x)]
 *   ∂/∂γ = Σ [q/γ − (px+q)/(γ + m x)]
 */
export function gammaGammaSampleLogLikelihood(
  s: SpendSample,
  [p, q, gamma]: readonly number[],
  gradient?: number[],
): number {
  const n = s.customers;
  const logGammaParam = Math.log(gamma);
  let sum = n * (q * logGammaParam - logGamma(q)) + p * s.sumXLogM - s.sumLogM;
  let dp = s.sumXLogM;
  let dq = gradient ? n * (logGammaParam - digamma(q)) : 0;
  let dGamma = (n * q) / gamma;
  for (let i = 0; i < s.frequencies.length; i++) {
    const x = s.frequencies[i];
    const c = s.customersByFrequency[i];
    const px = p * x;
    const logX = Math.log(x);
    sum += c * (logGamma(px + q) - logGamma(px) + px * logX);
    if (gradient) {
      const psiPxQ = digamma(px + q);
      dp += c * x * (psiPxQ - digamma(px) + logX);
      dq += c * psiPxQ;
    }
  }
  for (let k = 0; k < s.totals.length; k++) {
    const w = s.customersByTotal[k];
    const wx = s.frequencyByTotal[k];
    const shape = p * wx + q * w;
    const logTotal = Math.log(gamma + s.totals[k]);
    sum -= shape * logTotal;
    if (gradient) {
      dp -= wx * logTotal;
      dq -= w * logTotal;
      dGamma -= shape / (gamma + s.totals[k]);
    }
  }
  if (gradient) {
    gradient[0] = p * dp;
    gradient[1] = q * dq;
    gradient[2] = gamma * dGamma;
  }
  return sum;
}

/**
 * Maximum likelihood on log p, log q, log gamma (BFGS with the exact gradient), started at p = q = 1 and gamma
 * at the mean spend. Customers with x = 0 or m <= 0 are not in the sample (`customers` says how many were).
 */
export function fitGammaGamma(customers: readonly SpendSummary[]): GammaGammaFit {
  const sample = customers.filter((c) => c.x > 0 && c.m > 0);
  if (sample.length === 0) throw new RangeError('Gamma-Gamma needs customers with repeat transactions');
  const prepared = gammaGammaSample(sample);
  // Start gamma near the data's scale: the likelihood is flat far from it.
  const meanSpend = sample.reduce((s, c) => s + (c.count ?? 1) * c.m, 0) / prepared.customers;
  const result = minimizeLogLikelihood(
    (logParams, gradient) => {
      const value = -gammaGammaSampleLogLikelihood(prepared, logParams.map(Math.exp), gradient);
      for (let i = 0; i < gradient.length; i++) gradient[i] = -gradient[i];
      return value;
    },
    [0, 0, Math.log(meanSpend)],
  );
  const [p, q, gamma] = result.x.map(Math.exp);
  return {
    params: { p, q, gamma },
    logLikelihood: -result.value,
    iterations: result.iterations,
    converged: result.converged,
    customers: prepared.customers,
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
