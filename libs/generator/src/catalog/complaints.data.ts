import type { ComplaintCategory, ComplaintResolution, ComplaintSeverity, ContactChannel } from '@crm/domain';

export const COMPLAINT_CATEGORY_WEIGHTS: readonly (readonly [ComplaintCategory, number])[] = [
  ['delivery', 30],
  ['product', 25],
  ['billing', 14],
  ['service', 14],
  ['website', 6],
  ['staff', 5],
  ['privacy', 2],
  ['other', 4],
];

export const COMPLAINT_SEVERITY_WEIGHTS: readonly (readonly [ComplaintSeverity, number])[] = [
  ['low', 35],
  ['medium', 40],
  ['high', 20],
  ['critical', 5],
];

/** Resolution time grows with severity (a factor on ComplaintModel.resolutionDays). */
export const RESOLUTION_DELAY_FACTOR: Readonly<Record<ComplaintSeverity, number>> = {
  low: 0.5,
  medium: 1,
  high: 1.8,
  critical: 2.5,
};

export const COMPLAINT_CHANNELS: readonly (readonly [ContactChannel, number])[] = [
  ['email', 35],
  ['phone', 30],
  ['chat', 25],
  ['social', 10],
];

/**
 * How complaints end, with the share of the order given back (refunds the whole order, credits and
 * goodwill part of it) and how often the customer accepts the outcome.
 */
export const RESOLUTIONS: readonly {
  readonly resolution: ComplaintResolution;
  readonly weight: number;
  /** Compensation as a share of the order, [min, max); 0 for none. */
  readonly compensation: readonly [number, number];
  /** Chance that the compensation is given at all. */
  readonly compensationChance: number;
  readonly acceptance: number;
}[] = [
  { resolution: 'refund', weight: 22, compensation: [1, 1], compensationChance: 1, acceptance: 0.95 },
  { resolution: 'replacement', weight: 20, compensation: [0, 0], compensationChance: 0, acceptance: 0.9 },
  { resolution: 'credit', weight: 15, compensation: [0.1, 0.35], compensationChance: 1, acceptance: 0.85 },
  { resolution: 'repair', weight: 8, compensation: [0, 0], compensationChance: 0, acceptance: 0.85 },
  { resolution: 'apology', weight: 15, compensation: [0.05, 0.15], compensationChance: 0.3, acceptance: 0.7 },
  { resolution: 'explanation', weight: 12, compensation: [0, 0], compensationChance: 0, acceptance: 0.65 },
  { resolution: 'rejected', weight: 8, compensation: [0, 0], compensationChance: 0, acceptance: 0.15 },
];
