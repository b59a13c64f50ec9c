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
  const logZ = Math.log(z);
  let logTerm = 0; // ln of term n (term 0 = 1)
  let scale = 0; // ln of the largest term so far
  let sum = 1; // sum of terms / e^scale
  let previousRatio = Infinity;
  for (let n = 0; n < MAX_TERMS; n++) {
    const ratio = (((a + n) * (b + n)) / ((c + n) * (n + 1))) * z;
    logTerm += Math.log(ratio);
    if (logTerm > scale) {
      sum = sum * Math.exp(scale - logTerm) + 1;
      scale = logTerm;
    } else {
      const relative = Math.exp(logTerm - scale);
      sum += relative;
      // Terms shrink geometrically once the ratio of successive terms is below 1 and falling (it tends to
      // z < 1): the tail is then below relative / (1 - ratio).
      if (ratio < 1 && ratio <= previousRatio && relative < TOLERANCE * (1 - ratio) * sum) break;
    }
    previousRatio = ratio;
  }
  return scale + Math.log(sum);
}
