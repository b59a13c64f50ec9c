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
  if (!(horizon >= 0)) throw new RangeError(`the horizon must be >= 0 (got ${horizon})`);
  let value = 0;
  let previous = 0;
  for (let k = 1; k - 1 < horizon; k++) {
    const end = Math.min(k, horizon);
    const cumulative = cumulativePurchases(end);
    value += (cumulative - previous) / Math.pow(1 + perPeriodRate, end);
    previous = cumulative;
  }
  return margin * valuePerPurchase * value;
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
