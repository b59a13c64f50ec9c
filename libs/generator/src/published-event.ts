import type {
  CustomerEvent,
  CustomerEventDataMap,
  MarketingEvent,
  MarketingSpendRecordedData,
  PublishableEventType,
} from '@crm/domain';

/** The customer facts services publish (every type but those only the decider or erasure emits). */
export type GeneratedEventType = PublishableEventType;

/** An event in the shape services publish to `POST /v1/events` (README, "The publish contract"). */
export type PublishedEvent = {
  [K in GeneratedEventType]: {
    readonly eventId: string;
    readonly type: K;
    readonly customerId: string;
    /** ISO 8601, UTC, whole seconds: `2025-03-04T18:15:42Z`. */
    readonly occurredAt: string;
    readonly metadata: { readonly source: string; readonly correlationId?: string };
    readonly data: CustomerEventDataMap[K];
  };
}[GeneratedEventType];

/** A published event and what the decider made of it (the event itself, or a reactivation plus it). */
export interface GeneratedEvent {
  readonly published: PublishedEvent;
  readonly emitted: readonly CustomerEvent[];
}

/** Marketing spend as published: no customer, its stream is the campaign's (`campaign-<campaign>`). */
export interface PublishedSpendEvent {
  readonly eventId: string;
  readonly type: 'MarketingSpendRecorded';
  readonly occurredAt: string;
  readonly metadata: { readonly source: string };
  readonly data: MarketingSpendRecordedData;
}

export interface GeneratedSpend {
  readonly published: PublishedSpendEvent;
  readonly emitted: readonly MarketingEvent[];
}

/** Anything the generator produces: a customer fact or a campaign's spend. */
export type GeneratedRecord = GeneratedEvent | GeneratedSpend;

export const isSpend = (record: GeneratedRecord): record is GeneratedSpend =>
  record.published.type === 'MarketingSpendRecorded';

/** Every type the generator publishes, customer facts and spend. */
export type GeneratedRecordType = GeneratedEventType | 'MarketingSpendRecorded';

/** The services that publish each type (metadata.source). */
export const SOURCE_OF: Record<GeneratedRecordType, string> = {
  CustomerAcquired: 'signup-service',
  CustomerContacted: 'engagement-service',
  CustomerPurchased: 'checkout-service',
  CustomerReferred: 'referral-service',
  CustomerChurned: 'account-service',
  CustomerFeedbackGiven: 'survey-service',
  CustomerComplaintOpened: 'care-service',
  CustomerComplaintResolved: 'care-service',
  CustomerConsentGranted: 'consent-service',
  CustomerConsentWithdrawn: 'consent-service',
  CustomerPreferencesSet: 'preference-service',
  MarketingSpendRecorded: 'marketing-finance',
};
