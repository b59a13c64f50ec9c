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

/** NPS answer classes: 9-10 promoter, 7-8 passive, 0-6 detractor. */
export const NPS_CLASSES = ['promoter', 'passive', 'detractor'] as const;
export type NpsClass = (typeof NPS_CLASSES)[number];

/** The latest answer to a survey of one metric (latest by business time; a tie goes to the later event). */
export interface FeedbackView {
  readonly score: number;
  readonly surveyId: string;
  readonly channel: string;
  readonly at: string;
}

export interface NpsView extends FeedbackView {
  readonly class: NpsClass;
}

export interface OpenComplaintView {
  readonly complaintId: string;
  readonly category: string;
  readonly severity: string;
  readonly channel: string;
  readonly orderId: string | null;
  readonly openedAt: string;
}

export interface ComplaintsView {
  /** Complaints opened so far, resolved or not. */
  readonly opened: number;
  readonly resolved: number;
  /** Still open, oldest first. */
  readonly open: readonly OpenComplaintView[];
}

/** Where one consent (a purpose on a channel) stands: its latest grant or withdrawal by business time. */
export interface ConsentView {
  readonly channel: string;
  readonly purpose: string;
  readonly status: 'granted' | 'withdrawn';
  readonly at: string;
  /** Where it was captured (`acquisition` for consents given with CustomerAcquired). */
  readonly source: string | null;
}

/** The customer's stated preferences; null fields were never stated. */
export interface PreferencesView {
  readonly preferredChannel: string | null;
  readonly language: string | null;
  readonly contactFrequency: string | null;
  readonly categories: readonly string[] | null;
  /** Business time of the last CustomerPreferencesSet. */
  readonly updatedAt: string;
}

/** Money in one currency, integer minor units (exact below 2^53), with how many events it adds up. */
export interface CostTotal {
  readonly currency: string;
  readonly totalMinor: number;
  readonly count: number;
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
  /** The latest NPS answer (0-10) and its class; null before the first. */
  readonly nps: NpsView | null;
  /** The latest CSAT answer (1-5); null before the first. */
  readonly csat: FeedbackView | null;
  readonly complaints: ComplaintsView;
  /** One entry per channel and purpose ever granted or withdrawn, sorted by channel then purpose. */
  readonly consents: readonly ConsentView[];
  readonly preferences: PreferencesView | null;
  /**
   * Cost to serve so far: the costs carried by contacts (CustomerContacted.cost), per currency (`count`:
   * contacts with a cost). Contacts without a cost are priced by analytics' per-channel table, not here.
   */
  readonly costToServe: readonly CostTotal[];
  /** Compensation given when resolving complaints, per currency (`count`: resolutions with one). */
  readonly compensation: readonly CostTotal[];
  /** Revision of the last event applied (0-based). */
  readonly streamRevision: number;
  /** Global position of the last event applied, as a decimal string (positions can exceed 2^53). */
  readonly lastGlobalPosition: string;
}

/** The analytical models' view of a customer, copied into the read model by the scoring job. */
export interface CustomerScoresView {
  /** The CLV model (BG/NBD + Gamma-Gamma) the values come from. */
  readonly modelId: string;
  /** The model's calibration cutoff (a UTC day) and currency. */
  readonly cutoff: string;
  readonly currency: string;
  /** Discounted expected value over the model's horizon, minor units of `currency` (rounded). */
  readonly predictedClvMinor: number;
  /** Probability that the customer is still active at the cutoff (BG/NBD), 0-1. */
  readonly pAlive: number;
  /** RFM segment at the cutoff (null: no purchase in the currency by then). */
  readonly rfmSegment: string | null;
  readonly portfolio: {
    readonly potential: 'high' | 'low';
    readonly loyalty: 'high' | 'low';
    /** What the portfolio matrix recommends for the quadrant. */
    readonly action: string;
  };
  /** When the job copied these values. */
  readonly scoredAt: string;
}

/** How fresh each part of the answer is. */
export interface CustomerFreshness {
  /** Event-derived values: the customer's last event applied, and how far the whole projection got. */
  readonly events: {
    readonly streamRevision: number;
    readonly lastGlobalPosition: string;
    /** The read-model projection's checkpoint (null before its first batch). */
    readonly projectionPosition: string | null;
    /** When the row was last written. */
    readonly updatedAt: string;
  };
  /** Model-derived values: null until the scoring job has scored the customer. */
  readonly scores: { readonly modelId: string; readonly cutoff: string; readonly scoredAt: string } | null;
}

/** The Customer 360 answer: the summary plus when the row was last written, the scores and freshness. */
export interface CustomerView extends CustomerSummary {
  readonly updatedAt: string;
  readonly scores: CustomerScoresView | null;
  readonly freshness: CustomerFreshness;
}
