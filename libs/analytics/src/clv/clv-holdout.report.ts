import { bgNbdConditionalExpectedTransactions } from './bg-nbd.model';
import type { ClvCustomerSummary, ClvModel } from './clv.model';

/** A customer of the calibration period with what they did in the holdout period after the cutoff. */
export interface ClvHoldoutCustomer extends ClvCustomerSummary {
  /** Transactions (purchase days) in the holdout period. */
  readonly xHoldout: number;
  /** Length of the holdout period in model time units. */
  readonly holdoutWeeks: number;
}

/** Customers with the same calibration frequency: their mean holdout transactions, actual and predicted. */
export interface ClvHoldoutBin {
  /** Calibration repeat transactions; the last bin holds this many or more. */
  readonly frequency: number;
  /** '0', '1', ... and '7+' for the last bin. */
  readonly label: string;
  readonly customers: number;
  readonly actualMean: number;
  readonly predictedMean: number;
}

export interface ClvHoldoutReport {
  readonly bins: readonly ClvHoldoutBin[];
  /** Holdout transactions of the whole base, actual and predicted. */
  readonly actualTotal: number;
  readonly predictedTotal: number;
}

/**
 * The "conditional expectations" comparison of Fader, Hardie & Lee (2005, figure 4): customers grouped by
 * their calibration frequency (0, 1, ..., maxFrequency+), the mean number of transactions they made in the
 * holdout period against the mean the BG/NBD model expected for them, E[Y(t) | x, t_x, T] with t the holdout
 * length. A model to trust follows the actual line across the bins, not only on average.
 */
export function clvHoldoutReport(
  model: ClvModel,
  customers: readonly ClvHoldoutCustomer[],
  { maxFrequency = 7 }: { maxFrequency?: number } = {},
): ClvHoldoutReport {
  const sums = Array.from({ length: maxFrequency + 1 }, () => ({ customers: 0, actual: 0, predicted: 0 }));
  const cache = new Map<string, number>();
  for (const c of customers) {
    const key = `${c.x}|${c.tx}|${c.T}|${c.holdoutWeeks}`;
    let predicted = cache.get(key);
    if (predicted === undefined) {
      predicted = bgNbdConditionalExpectedTransactions(model.bgNbd.params, c, c.holdoutWeeks);
      cache.set(key, predicted);
    }
    const bin = sums[Math.min(c.x, maxFrequency)];
    bin.customers += 1;
    bin.actual += c.xHoldout;
    bin.predicted += predicted;
  }
  return {
    bins: sums.map((s, frequency) => ({
      frequency,
      label: frequency === maxFrequency ? `${frequency}+` : String(frequency),
      customers: s.customers,
      actualMean: s.customers > 0 ? s.actual / s.customers : 0,
      predictedMean: s.customers > 0 ? s.predicted / s.customers : 0,
    })),
    actualTotal: sums.reduce((t, s) => t + s.actual, 0),
    predictedTotal: sums.reduce((t, s) => t + s.predicted, 0),
  };
}
