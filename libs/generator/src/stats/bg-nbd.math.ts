/** BG/NBD parameters: purchase rate lambda ~ Gamma(r, alpha), dropout probability p ~ Beta(a, b). */
export interface BgNbdParameters {
  readonly r: number;
  readonly alpha: number;
  readonly a: number;
  readonly b: number;
}

/** Gauss's hypergeometric function 2F1(a, b; c; z) by its series, for 0 <= z < 1. */
export function hypergeometric2F1(a: number, b: number, c: number, z: number): number {
  if (!(z >= 0 && z < 1)) throw new RangeError(`2F1 series needs 0 <= z < 1, got ${z}`);
  let term = 1;
  let sum = 1;
  for (let n = 0; n < 1_000_000; n++) {
    term *= ((a + n) * (b + n) * z) / ((c + n) * (n + 1));
    sum += term;
    if (Math.abs(term) < 1e-15 * Math.abs(sum)) return sum;
  }
  throw new Error(`2F1(${a}, ${b}; ${c}; ${z}) did not converge`);
}

/**
 * E[X(t)]: expected repeat purchases in (0, t] after the first purchase at 0 (Fader, Hardie and Lee, 2005,
 * equation 9), t in the unit of 1/alpha.
 */
export function expectedRepeatPurchases({ r, alpha, a, b }: BgNbdParameters, t: number): number {
  if (t <= 0) return 0;
  const z = t / (alpha + t);
  return (
    ((a + b - 1) / (a - 1)) * (1 - Math.pow(alpha / (alpha + t), r) * hypergeometric2F1(r, b, a + b - 1, z))
  );
}

/** P(X(t) = 0): no repeat purchase in (0, t]. A customer can only drop out after a repeat purchase. */
export function probabilityNoRepeat({ r, alpha }: BgNbdParameters, t: number): number {
  return Math.pow(alpha / (alpha + t), r);
}
