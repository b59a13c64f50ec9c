import type { CustomerEvent, CustomerEventDataMap, PublishableEventType } from '@crm/domain';

/** An event in the shape services publish to `POST /v1/events` (README, "The publish contract"). */
export type PublishedEvent = {
  [K in PublishableEventType]: {
    readonly eventId: string;
    readonly type: K;
    readonly customerId: string;
    /** ISO 8601, UTC, whole seconds: `2025-03-04T18:15:42Z`. */
    readonly occurredAt: string;
    readonly metadata: { readonly source: string; readonly correlationId?: string };
    readonly data: CustomerEventDataMap[K];
  };
}[PublishableEventType];

/** A published event and what the decider made of it (the event itself, or a reactivation plus it). */
export interface GeneratedEvent {
  readonly published: PublishedEvent;
  readonly emitted: readonly CustomerEvent[];
}

/** The services that publish each type (metadata.source). */
export const SOURCE_OF: Record<PublishableEventType, string> = {
  CustomerAcquired: 'signup-service',
  CustomerContacted: 'engagement-service',
  CustomerPurchased: 'checkout-service',
  CustomerReferred: 'referral-service',
  CustomerChurned: 'account-service',
  CustomerFeedbackGiven: 'survey-service',
  CustomerComplaintOpened: 'service-desk',
  CustomerComplaintResolved: 'service-desk',
  CustomerConsentGranted: 'preference-centre',
  CustomerConsentWithdrawn: 'preference-centre',
  CustomerPreferencesSet: 'preference-centre',
};
