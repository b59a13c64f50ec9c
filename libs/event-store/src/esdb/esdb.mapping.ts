import {
  type AllStreamResolvedEvent,
  ErrorType,
  type EventData,
  isCommandError,
  jsonEvent,
  type JSONType,
  type ResolvedEvent,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import { EventStoreUnavailableError } from '../event-store.errors';
import type { EventMetadata, EventToAppend, RecordedEvent } from '../event-store.port';

/**
 * How port events live in EventStoreDB:
 * - event id = eventId, type = type, data = data (JSON);
 * - metadata = the port's metadata, flat, plus `$occurredAt` (business time, kept as given) and, when the
 *   port metadata has them, `$correlationId` / `$causationId` mirrors so ESDB's $by_correlation_id system
 *   projection works. Those `$` keys are removed again on read;
 * - recordedAt = the event's `created` timestamp (server clock, ms precision);
 * - globalPosition = the commit position in the transaction log. Events written by gRPC appends are committed
 *   one log record each, so commit = prepare for every event and commit positions are unique and increasing.
 */
export const OCCURRED_AT_KEY = '$occurredAt';
const MIRRORS: ReadonlyArray<readonly [mirror: string, field: string]> = [
  ['$correlationId', 'correlationId'],
  ['$causationId', 'causationId'],
];

export function toEventData(event: EventToAppend): EventData {
  const metadata: Record<string, unknown> = { ...event.metadata, [OCCURRED_AT_KEY]: event.occurredAt };
  for (const [mirror, field] of MIRRORS) {
    if (event.metadata[field] !== undefined) metadata[mirror] = event.metadata[field];
  }
  return jsonEvent({ id: event.eventId, type: event.type, data: event.data as JSONType, metadata });
}

/** The recorded event of a port event: system streams and events ($-prefixed), links and non-JSON events are not. */
export function portRecordOf(resolved: ResolvedEvent | AllStreamResolvedEvent) {
  const event = resolved.event;
  return !event || !event.isJson || event.streamId.startsWith('$') || event.type.startsWith('$')
    ? undefined
    : event;
}

/** System streams and events ($-prefixed), links and non-JSON events are not port events: undefined. */
export function fromResolvedEvent(
  resolved: ResolvedEvent | AllStreamResolvedEvent,
): RecordedEvent | undefined {
  const event = portRecordOf(resolved);
  if (!event) return undefined;
  const position = event.position?.commit ?? resolved.commitPosition;
  if (position === undefined) {
    throw new Error('EventStoreDB did not return event positions: EventStoreDB 22.6 or later is required');
  }
  const raw = isRecord(event.metadata) ? event.metadata : {};
  const { [OCCURRED_AT_KEY]: occurredAt, ...metadata } = raw;
  for (const [mirror, field] of MIRRORS) {
    if (mirror in metadata && metadata[mirror] === metadata[field]) delete metadata[mirror];
  }
  const recordedAt = event.created.toISOString();
  return {
    streamId: event.streamId,
    streamRevision: Number(event.revision),
    globalPosition: position,
    eventId: event.id,
    type: event.type,
    occurredAt: typeof occurredAt === 'string' ? occurredAt : recordedAt,
    recordedAt,
    data: isRecord(event.data) ? event.data : { value: event.data },
    metadata: { schemaVersion: 1, ...metadata } as EventMetadata,
  };
}

/** The revision an ESDB WrongExpectedVersionError reports, -1 for no stream. */
export function actualRevisionOf(error: WrongExpectedVersionError): number {
  const actual: unknown = error.actualVersion;
  if (typeof actual === 'bigint' || typeof actual === 'number') return Number(actual);
  return -1; // 'no_stream' (the client also uses it when the server sent no actual version)
}

const UNAVAILABLE_TYPES: ReadonlySet<string> = new Set([
  ErrorType.UNAVAILABLE,
  ErrorType.DEADLINE_EXCEEDED,
  ErrorType.TIMEOUT,
  ErrorType.NOT_LEADER,
]);

/** Connection-level failures become EventStoreUnavailableError; everything else passes through. */
export function mapConnectionError(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof EventStoreUnavailableError) return error;
  if (isCommandError(error)) {
    return UNAVAILABLE_TYPES.has(error.type) ? new EventStoreUnavailableError(error) : error;
  }
  const code = (error as { code?: unknown }).code;
  if (
    /Failed to discover|ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|No connection established/i.test(
      error.message,
    ) ||
    code === 14 // gRPC UNAVAILABLE before the client converted it
  ) {
    return new EventStoreUnavailableError(error);
  }
  return error;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}
