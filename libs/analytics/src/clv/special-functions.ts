/**
 * Special functions the CLV likelihoods need, in log space so that large counts (customers with hundreds of
 * purchases) neither overflow nor lose precision.
 */

/** Lanczos approximation (g = 7, 9 coefficients): about 15 significant digits for x > 0. */
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(x) for x > 0 (reflection below 0.5). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i] / (z + i);
  const t = z + 7.5;
  return HALF_LOG_TWO_PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** ln B(a, b). */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/** ln(e^a + e^b) without overflow. */
export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const max = Math.max(a, b);
  return max + Math.log(Math.exp(a - max) + Math.exp(b - max));
}

const MAX_TERMS = 1_000_000;
const TOLERANCE = 1e-15;

/**
 * ln 2F1(a, b; c; z), the Gaussian hypergeometric function, by its power series for a, b, c > 0 and
 * 0 <= z < 1 (every term positive, as in the BG/NBD expectations where z = t / (alpha + T + t)). Terms are
 * summed relative to the largest seen, so a series whose terms grow to 1e2000 before decaying still sums.
 */
export function logHyp2f1(a: number, b: number, c: number, z: number): number {
  if (!(a > 0 && b > 0 && c > 0 && z >= 0 && z < 1)) {
    throw new RangeError(`logHyp2f1 needs a, b, c > 0 and 0 <= z < 1 (got ${a}, ${b}, ${c}, ${z})`);
  }
  if (z === 0) return 0;
  let logTerm = 0; // ln of term n (term 0 = 1)
  let scale = 0; // ln of the largest term so far
  let sum = 1; // sum of terms / e^scale
  for (let n = 0; n < MAX_TERMS; n++) {
    const ratio = (((a + n) * (b + n)) / ((c + n) * (n + 1))) * z;
    logTerm += Math.log(ratio);
    if (logTerm > scale) {
      sum = sum * Math.exp(scale - logTerm) + 1;
      scale = logTerm;
      continue;
    }
    const relative = Math.exp(logTerm - scale);
    sum += relative;
    // Each factor (a+m)/(c+m) and (b+m)/(m+1) moves monotonically towards 1 as m grows, so every later ratio
    // of successive terms is at most z · max(1, (a+n)/(c+n)) · max(1, (b+n)/(n+1)); pairing b with c and a
    // with m+1 instead bounds it too, and the smaller of the two is what stops the sum when b and c are both
    // huge (a fit on few customers wanders there: the first pairing stays above 1 for ~b terms). Below 1, the
    // tail after this term is at most relative · bound / (1 − bound): stop once that cannot show in the sum.
    const bound =
      z *
      Math.min(
        Math.max(1, (a + n) / (c + n)) * Math.max(1, (b + n) / (n + 1)),
        Math.max(1, (b + n) / (c + n)) * Math.max(1, (a + n) / (n + 1)),
      );
    if (bound < 1 && (relative * bound) / (1 - bound) < TOLERANCE * sum) return scale + Math.log(sum);
  }
  throw new RangeError(`logHyp2f1(${a}, ${b}, ${c}, ${z}) needs more than ${MAX_TERMS} terms`);
}

/**
 * ψ(x) = d ln Γ(x) / dx for x > 0: the recurrence ψ(x) = ψ(x + 1) − 1/x lifts x to 10 or more, where the
 * asymptotic series ln x − 1/(2x) − Σ B_2k / (2k x^2k) is within 1e-14 with five terms.
 */
export function digamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`digamma needs x > 0 (got ${x})`);
  let shift = 0;
  while (x < 10) {
    shift -= 1 / x;
    x += 1;
  }
  const inv2 = 1 / (x * x);
  const series = inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 / 132))));
  return shift + Math.log(x) - 0.5 / x - series;
}

/**
 * 2F1(a, b; c; z) − 1 by its power series summed as it stands, for c > 0 and 0 <= z < 1 where the terms stay
 * small (no term much above 1, as after Euler's transformation in the BG/NBD expectation): a few flops per
 * term, no logarithms. The result is the sum of the terms after the first, so 2F1 near 1 keeps its digits.
 * Returns NaN when the series does not settle within MAX_TERMS (the caller falls back to logHyp2f1).
 */
export function hyp2f1MinusOne(a: number, b: number, c: number, z: number): number {
  if (!(c > 0 && z >= 0 && z < 1)) {
    throw new RangeError(`hyp2f1MinusOne needs c > 0 and 0 <= z < 1 (got ${a}, ${b}, ${c}, ${z})`);
  }
  let term = 1;
  let sum = 0;
  for (let n = 0; n < MAX_TERMS; n++) {
    term *= (((a + n) * (b + n)) / ((c + n) * (n + 1))) * z;
    sum += term;
    if (term === 0) return sum;
    // As in logHyp2f1: later ratios are at most this bound, so the tail is at most |term|·bound/(1 − bound).
    const bound =
      z * Math.max(1, Math.abs(a + n + 1) / (c + n + 1)) * Math.max(1, Math.abs(b + n + 1) / (n + 2));
    if (bound < 1 && (Math.abs(term) * bound) / (1 - bound) < TOLERANCE * Math.abs(sum)) return sum;
    if (!Number.isFinite(term)) return NaN;
  }
  return NaN;
}
