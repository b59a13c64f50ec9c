/** Days in a year for turning an annual rate into a per-period one (the mean Gregorian year). */
const DAYS_PER_YEAR = 365.25;

/**
 * The discount rate of one model time unit equivalent to an annual rate: (1 + annual)^(unitDays / 365.25) − 1.
 * 10 % a year is 0.1834 % a week.
 */
export function perPeriodDiscountRate(annualRate: number, unitDays: number): number {
  if (!(annualRate >= 0) || !Number.isFinite(annualRate)) {
    throw new RangeError(`the annual discount rate must be a finite number >= 0 (got ${annualRate})`);
  }
  if (!(unitDays > 0)) throw new RangeError(`the time unit must be positive (got ${unitDays} days)`);
  return Math.pow(1 + annualRate, unitDays / DAYS_PER_YEAR) - 1;
}

/**
 * Discounted expected value of a customer's purchases over `horizon` time units:
 *
 *   CLV = margin · E[M] · Σ_{k=1..K} (E[Y(k)] − E[Y(k−1)]) / (1 + d)^k
 *
 * E[Y(k)] the expected purchases in the next k units (BG/NBD, conditional on the customer's history), E[M]
 * the expected value of one purchase (Gamma-Gamma), d the per-unit discount rate. Purchases expected during
 * unit k are discounted as if made at its end, so the result is slightly conservative. A fractional horizon
 * ends with a partial last unit (discounted at the horizon). With d = 0 the sum telescopes to
 * margin · E[M] · E[Y(K)].
 */
export function discountedValue(
  cumulativePurchases: (t: number) => number,
  { horizon, perPeriodRate, valuePerPurchase, margin = 1 }: DiscountedValueOptions,
): number {
  const { discounted } = discountedPurchases(cumulativePurchases, discountSchedule(horizon, perPeriodRate));
  return margin * valuePerPurchase * discounted;
}

/** Where the cumulative purchases are read (ends of the periods, the last one the horizon) and their factors. */
export interface DiscountSchedule {
  readonly ends: Float64Array;
  readonly factors: Float64Array;
}

/**
 * The schedule of discountedValue for a horizon and per-period rate, computed once for a whole base. Without
 * discounting the sum telescopes, so the horizon alone is read.
 */
export function discountSchedule(horizon: number, perPeriodRate: number): DiscountSchedule {
  if (!(horizon >= 0)) throw new RangeError(`the horizon must be >= 0 (got ${horizon})`);
  if (perPeriodRate === 0) return { ends: Float64Array.of(horizon), factors: Float64Array.of(1) };
  const ends: number[] = [];
  for (let k = 1; k - 1 < horizon; k++) ends.push(Math.min(k, horizon));
  return {
    ends: Float64Array.from(ends),
    factors: Float64Array.from(ends, (end) => Math.pow(1 + perPeriodRate, -end)),
  };
}

/** Σ (F(end_k) − F(end_k−1)) · factor_k, and F at the horizon (the undiscounted expectation). */
export function discountedPurchases(
  cumulativePurchases: (t: number) => number,
  { ends, factors }: DiscountSchedule,
): { total: number; discounted: number } {
  let discounted = 0;
  let previous = 0;
  for (let k = 0; k < ends.length; k++) {
    const cumulative = ends[k] > 0 ? cumulativePurchases(ends[k]) : 0;
    discounted += (cumulative - previous) * factors[k];
    previous = cumulative;
  }
  return { total: previous, discounted };
}

export interface DiscountedValueOptions {
  /** In model time units (weeks for a weekly model). */
  readonly horizon: number;
  readonly perPeriodRate: number;
  /** Expected value of one purchase. */
  readonly valuePerPurchase: number;
  /** Share of revenue counted as value (1 = revenue CLV). */
  readonly margin?: number;
}
