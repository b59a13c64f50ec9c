import type { ChurnReason } from '@crm/domain';
import { WeightedChoice } from '../random/weighted-choice';

/** Why customers who leave say they leave. */
export const CHURN_REASONS_VOLUNTARY = WeightedChoice.of<ChurnReason>([
  ['price', 35],
  ['competitor', 30],
  ['service', 25],
  ['other', 10],
]);

/** Accounts closed for the customer (moved away, payment failures, fraud checks). */
export const CHURN_REASONS_INVOLUNTARY = WeightedChoice.of<ChurnReason>([
  ['moved', 60],
  ['other', 40],
]);
