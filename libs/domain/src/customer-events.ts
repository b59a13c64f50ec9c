import type { Money } from './money';

/** The catalog of customer lifecycle events. Stream: `customer-<customerId>`. */
export const ACQUISITION_CHANNELS = [
  'organic',
  'paid_search',
  'paid_social',
  'email',
  'referral',
  'partner',
  'direct',
  'offline',
] as const;
export type AcquisitionChannel = (typeof ACQUISITION_CHANNELS)[number];

export const CONTACT_CHANNELS = [
  'email',
  'phone',
  'sms',
  'chat',
  'meeting',
  'social',
  'push',
  'mail',
] as const;
export type ContactChannel = (typeof CONTACT_CHANNELS)[number];

export const CONTACT_DIRECTIONS = ['inbound', 'outbound'] as const;
export type ContactDirection = (typeof CONTACT_DIRECTIONS)[number];

export const CONTACT_PURPOSES = ['sales', 'support', 'marketing', 'retention', 'survey'] as const;
export type ContactPurpose = (typeof CONTACT_PURPOSES)[number];

export const CHURN_REASONS = ['price', 'service', 'competitor', 'moved', 'inactivity', 'other'] as const;
export type ChurnReason = (typeof CHURN_REASONS)[number];

export const GENDERS = ['f', 'm', 'x', 'unknown'] as const;
export type Gender = (typeof GENDERS)[number];

export interface CustomerProfile {
  readonly name?: string;
  readonly email?: string;
  readonly phone?: string;
  /** ISO 3166-1 alpha-2. */
  readonly country?: string;
  readonly city?: string;
  readonly birthYear?: number;
  readonly gender?: Gender;
  readonly incomeBand?: string;
}

export type AttributeValue = string | number | boolean;

export interface CustomerAcquiredData {
  readonly channel: AcquisitionChannel;
  readonly campaign?: string;
  readonly referredBy?: string;
  readonly profile: CustomerProfile;
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
  /** Consents the customer gave when signing up (as CustomerConsentGranted would record them). */
  readonly consents?: readonly ConsentScope[];
}

export interface CustomerContactedData {
  readonly channel: ContactChannel;
  readonly direction: ContactDirection;
  readonly purpose: ContactPurpose;
  readonly campaign?: string;
  readonly agentId?: string;
  readonly outcome?: string;
  /** What this contact cost to serve (agent time, postage, message fees); absent: the configured per-channel cost. */
  readonly cost?: Money;
}

export interface LineItem {
  readonly sku: string;
  readonly category: string;
  readonly quantity: number;
  readonly unitPrice: Money;
}

export interface CustomerPurchasedData {
  readonly orderId: string;
  readonly amount: Money;
  readonly channel?: string;
  readonly items?: readonly LineItem[];
}

export interface CustomerReferredData {
  readonly referredCustomerId?: string;
  readonly referralCode?: string;
  readonly channel?: string;
}

export interface CustomerChurnedData {
  readonly reason: ChurnReason;
  readonly voluntary: boolean;
}

export interface CustomerReactivatedData {
  /** The event that brought the customer back (the purchase's event id). */
  readonly triggeredBy: string;
  readonly churnedAt: string;
}

/** Satisfaction surveys: Net Promoter Score (0-10) and Customer Satisfaction (1-5). */
export const FEEDBACK_METRICS = ['nps', 'csat'] as const;
export type FeedbackMetric = (typeof FEEDBACK_METRICS)[number];
export const FEEDBACK_SCALES: Readonly<
  Record<FeedbackMetric, { readonly min: number; readonly max: number }>
> = {
  nps: { min: 0, max: 10 },
  csat: { min: 1, max: 5 },
};

/** Where a survey was answered. */
export const FEEDBACK_CHANNELS = ['email', 'sms', 'phone', 'chat', 'web', 'app', 'in_store', 'mail'] as const;
export type FeedbackChannel = (typeof FEEDBACK_CHANNELS)[number];

export interface CustomerFeedbackGivenData {
  readonly metric: FeedbackMetric;
  /** An integer on the metric's scale (FEEDBACK_SCALES). */
  readonly score: number;
  readonly channel: FeedbackChannel;
  readonly surveyId: string;
  /** The order the answer is about, if any. */
  readonly orderId?: string;
  /** The contact (its event id) the answer is about, if any. */
  readonly contactEventId?: string;
  /** Free text: personal data, sealed with the customer's key like the profile's name and e-mail. */
  readonly comment?: string;
}

export const COMPLAINT_CATEGORIES = [
  'product',
  'delivery',
  'billing',
  'service',
  'staff',
  'website',
  'privacy',
  'other',
] as const;
export type ComplaintCategory = (typeof COMPLAINT_CATEGORIES)[number];

export const COMPLAINT_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type ComplaintSeverity = (typeof COMPLAINT_SEVERITIES)[number];

export interface CustomerComplaintOpenedData {
  /** The publisher's id of the complaint: opened once, resolved once. */
  readonly complaintId: string;
  readonly category: ComplaintCategory;
  readonly severity: ComplaintSeverity;
  readonly channel: ContactChannel;
  readonly orderId?: string;
}

export const COMPLAINT_RESOLUTIONS = [
  'refund',
  'replacement',
  'credit',
  'repair',
  'apology',
  'explanation',
  'rejected',
] as const;
export type ComplaintResolution = (typeof COMPLAINT_RESOLUTIONS)[number];

export interface CustomerComplaintResolvedData {
  readonly complaintId: string;
  readonly resolution: ComplaintResolution;
  /** What the customer was given back (refund, credit, goodwill), if anything. */
  readonly compensation?: Money;
  /** Whether the customer accepted the resolution. */
  readonly accepted: boolean;
}

/** What a consent is for. `marketing` governs outbound marketing contacts (see the decider's consent rule). */
export const CONSENT_PURPOSES = ['marketing', 'survey', 'profiling', 'third_party'] as const;
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];

/** One consent: a purpose on a channel. */
export interface ConsentScope {
  readonly channel: ContactChannel;
  readonly purpose: ConsentPurpose;
}

export interface CustomerConsentGrantedData extends ConsentScope {
  /** Where the consent was captured (sign-up form, preference centre, call): the proof's pointer. */
  readonly source?: string;
}

export interface CustomerConsentWithdrawnData extends ConsentScope {
  readonly source?: string;
}

export const CONTACT_FREQUENCIES = ['daily', 'weekly', 'monthly', 'quarterly', 'never'] as const;
export type ContactFrequency = (typeof CONTACT_FREQUENCIES)[number];

/** The customer's stated preferences; each field given replaces the previous value, absent fields stay. */
export interface CustomerPreferencesSetData {
  readonly preferredChannel?: ContactChannel;
  /** BCP 47 language tag, e.g. `en`, `pt-BR`. */
  readonly language?: string;
  readonly contactFrequency?: ContactFrequency;
  /** Product categories of interest. */
  readonly categories?: readonly string[];
}

/**
 * Profile fields that identify a person. They are stored encrypted with a per-customer key (crypto-shredding,
 * see libs/event-store/src/erasure), so erasing the key erases them from every event at once.
 */
export const PERSONAL_PROFILE_FIELDS = ['name', 'email', 'phone', 'city'] as const;
export type PersonalProfileField = (typeof PERSONAL_PROFILE_FIELDS)[number];

export interface CustomerPersonalDataErasedData {
  /** The profile fields that are gone for good. */
  readonly fields: readonly PersonalProfileField[];
}

export interface CustomerEventDataMap {
  CustomerAcquired: CustomerAcquiredData;
  CustomerContacted: CustomerContactedData;
  CustomerPurchased: CustomerPurchasedData;
  CustomerReferred: CustomerReferredData;
  CustomerChurned: CustomerChurnedData;
  CustomerReactivated: CustomerReactivatedData;
  CustomerPersonalDataErased: CustomerPersonalDataErasedData;
  CustomerFeedbackGiven: CustomerFeedbackGivenData;
  CustomerComplaintOpened: CustomerComplaintOpenedData;
  CustomerComplaintResolved: CustomerComplaintResolvedData;
  CustomerConsentGranted: CustomerConsentGrantedData;
  CustomerConsentWithdrawn: CustomerConsentWithdrawnData;
  CustomerPreferencesSet: CustomerPreferencesSetData;
}

export type CustomerEventType = keyof CustomerEventDataMap;
export const CUSTOMER_EVENT_TYPES = Object.freeze([
  'CustomerAcquired',
  'CustomerContacted',
  'CustomerPurchased',
  'CustomerReferred',
  'CustomerChurned',
  'CustomerReactivated',
  'CustomerPersonalDataErased',
  'CustomerFeedbackGiven',
  'CustomerComplaintOpened',
  'CustomerComplaintResolved',
  'CustomerConsentGranted',
  'CustomerConsentWithdrawn',
  'CustomerPreferencesSet',
] as const satisfies readonly CustomerEventType[]);

/**
 * Types a service may publish. CustomerReactivated is only ever emitted by the decider, and
 * CustomerPersonalDataErased only by the erasure endpoint (an admin action, not a published fact).
 */
export type PublishableEventType = Exclude<
  CustomerEventType,
  'CustomerReactivated' | 'CustomerPersonalDataErased'
>;
const NOT_PUBLISHABLE: ReadonlySet<string> = new Set(['CustomerReactivated', 'CustomerPersonalDataErased']);
export const PUBLISHABLE_EVENT_TYPES: readonly PublishableEventType[] = CUSTOMER_EVENT_TYPES.filter(
  (t): t is PublishableEventType => !NOT_PUBLISHABLE.has(t),
);

/** A domain event as the decider emits it and evolve consumes it. */
export type CustomerEvent = {
  [K in CustomerEventType]: {
    readonly type: K;
    readonly eventId: string;
    /** Business time, ISO 8601 UTC. */
    readonly occurredAt: string;
    readonly data: CustomerEventDataMap[K];
  };
}[CustomerEventType];

export type CustomerEventOf<K extends CustomerEventType> = Extract<CustomerEvent, { type: K }>;

/**
 * Current schema version of each event type's `data`: what every writer stamps in `metadata.schemaVersion`
 * (API, generator, import), and what readers get back, since the event store's upcasters turn older
 * versions into these on read. Bump a type here together with its new upcaster in
 * libs/event-store/src/upcasting (the chain refuses to load with a missing step).
 *
 * CustomerPurchased 2: money is `Money` (integer minor units + currency); version 1 had decimal amounts.
 */
export const CUSTOMER_SCHEMA_VERSIONS = Object.freeze({
  CustomerAcquired: 1,
  CustomerContacted: 1,
  CustomerPurchased: 2,
  CustomerReferred: 1,
  CustomerChurned: 1,
  CustomerReactivated: 1,
  CustomerPersonalDataErased: 1,
  CustomerFeedbackGiven: 1,
  CustomerComplaintOpened: 1,
  CustomerComplaintResolved: 1,
  CustomerConsentGranted: 1,
  CustomerConsentWithdrawn: 1,
  CustomerPreferencesSet: 1,
} as const satisfies Record<CustomerEventType, number>);

/** The version a writer stamps on a new event of this type. */
export const currentSchemaVersion = (type: CustomerEventType): number => CUSTOMER_SCHEMA_VERSIONS[type];

export const CUSTOMER_STREAM_PREFIX = 'customer-';
export const customerStreamId = (customerId: string): string => `${CUSTOMER_STREAM_PREFIX}${customerId}`;
export const customerIdFromStream = (streamId: string): string =>
  streamId.startsWith(CUSTOMER_STREAM_PREFIX) ? streamId.slice(CUSTOMER_STREAM_PREFIX.length) : streamId;
