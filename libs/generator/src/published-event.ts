import {
  currentSchemaVersion,
  type CustomerEvent,
  type CustomerEventDataMap,
  type PublishableEventType,
} from '@crm/domain';
import type { EventToAppend } from '@crm/event-store';

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
};

/**
 * What the API appends for an emitted event (same metadata rules as the publish handler): schema version,
 * the publisher's source and correlation id, and for decider-emitted events the triggering event as cause.
 * occurredAt is normalised the way the API does (toISOString).
 */
export function toEventToAppend(emitted: CustomerEvent, published: PublishedEvent): EventToAppend {
  const triggered = emitted.eventId !== published.eventId;
  return {
    eventId: emitted.eventId,
    type: emitted.type,
    occurredAt: new Date(emitted.occurredAt).toISOString(),
    data: emitted.data as unknown as Record<string, unknown>,
    metadata: {
      schemaVersion: currentSchemaVersion(emitted.type),
      source: published.metadata.source,
      ...(published.metadata.correlationId ? { correlationId: published.metadata.correlationId } : {}),
      ...(triggered ? { causationId: published.eventId } : {}),
    },
  };
}
