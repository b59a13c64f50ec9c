import type { AttributeValue } from '@crm/domain';

/**
 * Lifecycle stage shown in Customer 360, derived from the events only:
 * - `churned`:  the last churn has not been followed by a reactivation;
 * - `active`:   not churned and at least one purchase recorded;
 * - `acquired`: not churned and no purchase yet.
 * A reactivated customer is `active` again (the decider reactivates only on a purchase); how often that
 * happened is `reactivatedCount`, and `churnedAt`/`churnReason` keep the last churn for context.
 */
export const CUSTOMER_STAGES = ['acquired', 'active', 'churned'] as const;
export type CustomerStage = (typeof CUSTOMER_STAGES)[number];

export interface SpendTotal {
  readonly currency: string;
  /** Integer minor units. Exact below 2^53 (the domain caps single amounts at 10^12). */
  readonly totalMinor: number;
  readonly purchases: number;
}

export interface CustomerProfileView {
  readonly name: string | null;
  readonly email: string | null;
  readonly phone: string | null;
  readonly country: string | null;
  readonly city: string | null;
  readonly birthYear: number | null;
  readonly gender: string | null;
  readonly incomeBand: string | null;
}

/**
 * Everything the read model knows about one customer, as a value: the projector's rows mapped with
 * `toCustomerSummary` and the pure `foldCustomerSummary` of the stream must be `toEqual`.
 * Absent facts are `null` (never `undefined`) so the comparison is exact. Times are ISO 8601 UTC with ms.
 */
export interface CustomerSummary {
  readonly customerId: string;
  readonly stage: CustomerStage;
  readonly profile: CustomerProfileView;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly acquisitionChannel: string | null;
  readonly acquisitionCampaign: string | null;
  readonly referredBy: string | null;
  readonly acquiredAt: string | null;
  readonly churnedAt: string | null;
  readonly churnReason: string | null;
  readonly reactivatedCount: number;
  /** Right to erasure: true once the personal profile fields (name, email, phone, city) were erased. */
  readonly erased: boolean;
  readonly erasedAt: string | null;
  readonly contactsCount: number;
  readonly firstContactAt: string | null;
  readonly lastContactAt: string | null;
  readonly purchasesCount: number;
  readonly firstPurchaseAt: string | null;
  readonly lastPurchaseAt: string | null;
  /** One entry per currency, sorted by currency code; spend in different currencies is never added up. */
  readonly spend: readonly SpendTotal[];
  readonly referralsMade: number;
  /** Revision of the last event applied (0-based). */
  readonly streamRevision: number;
  /** Global position of the last event applied, as a decimal string (positions can exceed 2^53). */
  readonly lastGlobalPosition: string;
}

/** The Customer 360 answer: the summary plus when the row was last written. */
export interface CustomerView extends CustomerSummary {
  readonly updatedAt: string;
}
