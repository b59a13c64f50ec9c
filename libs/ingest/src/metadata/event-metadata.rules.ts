import {
  currentSchemaVersion,
  MARKETING_SCHEMA_VERSIONS,
  type CustomerEvent,
  type MarketingEvent,
} from '@crm/domain';
import type { EventToAppend } from '@crm/event-store';
import { toUtcIso } from './utc-instant';

/** What a publisher says about an event besides its facts. */
export interface PublisherMetadata {
  readonly source?: string;
  readonly correlationId?: string;
  readonly causationId?: string;
}

/**
 * The metadata rules, one definition for every entrance:
 * - `schemaVersion`: the current version of the event type's data (readers upcast older ones);
 * - `source`: the publishing service, when it names itself;
 * - `correlationId`: the publisher's, else the one of the request or import that carried the event;
 * - `causationId`: for an event the decider emitted on its own (a reactivation), the published event that
 *   caused it; otherwise the publisher's, if any.
 * occurredAt is stored as UTC with milliseconds, whatever notation the publisher used. The same rules hold for
 * a campaign's marketing events.
 */
export function toEventToAppend(
  emitted: CustomerEvent | MarketingEvent,
  published: { readonly eventId: string; readonly metadata: PublisherMetadata },
  fallbackCorrelationId?: string,
): EventToAppend {
  const triggered = emitted.eventId !== published.eventId;
  const { source, causationId } = published.metadata;
  const correlationId = published.metadata.correlationId || fallbackCorrelationId;
  return {
    eventId: emitted.eventId,
    type: emitted.type,
    occurredAt: toUtcIso(emitted.occurredAt),
    data: emitted.data as unknown as Record<string, unknown>,
    metadata: {
      schemaVersion:
        emitted.type === 'MarketingSpendRecorded'
          ? MARKETING_SCHEMA_VERSIONS[emitted.type]
          : currentSchemaVersion(emitted.type),
      ...(source ? { source } : {}),
      ...(correlationId ? { correlationId } : {}),
      ...(triggered ? { causationId: published.eventId } : causationId ? { causationId } : {}),
    },
  };
}
