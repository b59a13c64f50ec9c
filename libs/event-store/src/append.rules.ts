import { PartialDuplicateAppendError, WrongExpectedRevisionError } from './event-store.errors';
import type { AppendedEvent, AppendResult, EventToAppend, ExpectedRevision } from './event-store.port';

/**
 * The append rules every adapter applies in the same order, so they all pass one contract suite:
 * 1. input checks (non-empty, unique ids within the call, parseable occurredAt),
 * 2. idempotency (every id already in the stream: the original result; some: PartialDuplicateAppendError),
 * 3. the expected revision.
 */

/**
 * Throws a plain Error for malformed input: these are caller bugs, not conflicts. Returns each event's
 * occurredAt as epoch milliseconds.
 */
export function assertValidAppend(streamId: string, events: readonly EventToAppend[]): number[] {
  if (typeof streamId !== 'string' || streamId.length === 0) {
    throw new Error('appendToStream: streamId must be a non-empty string');
  }
  if (events.length === 0) {
    throw new Error(`appendToStream(${streamId}): at least one event is required`);
  }
  const seen = new Set<string>();
  return events.map((event) => {
    if (typeof event.eventId !== 'string' || event.eventId.length === 0) {
      throw new Error(`appendToStream(${streamId}): every event needs a non-empty eventId`);
    }
    if (seen.has(event.eventId)) {
      throw new Error(
        `appendToStream(${streamId}): event id ${event.eventId} appears more than once in one append`,
      );
    }
    seen.add(event.eventId);
    return parseInstant(event.occurredAt, `occurredAt of event ${event.eventId}`);
  });
}

/** Epoch milliseconds of an ISO 8601 instant; throws a plain Error when it does not parse. */
export function parseInstant(value: string, what: string): number {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new Error(`${what} is not an ISO 8601 date-time: ${String(value)}`);
  }
  return ms;
}

/** Validates the option; -1 is accepted as a synonym of 'no_stream' (what some clients send for "new"). */
export function normalizeExpectedRevision(expected: ExpectedRevision | undefined): ExpectedRevision {
  if (expected === undefined) return 'any';
  if (typeof expected === 'number') {
    if (expected === -1) return 'no_stream';
    if (!Number.isSafeInteger(expected) || expected < 0) {
      throw new Error(`expectedRevision must be a non-negative integer, got ${expected}`);
    }
    return expected;
  }
  if (expected === 'any' || expected === 'no_stream' || expected === 'stream_exists') return expected;
  throw new Error(
    `expectedRevision must be 'any', 'no_stream', 'stream_exists' or a number, got ${String(expected)}`,
  );
}

/** `actual` is the revision of the stream's last event, -1 when the stream does not exist. */
export function expectedRevisionHolds(expected: ExpectedRevision, actual: number): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return actual < 0;
    case 'stream_exists':
      return actual >= 0;
    default:
      return actual === expected;
  }
}

export function assertExpectedRevision(streamId: string, expected: ExpectedRevision, actual: number): void {
  if (!expectedRevisionHolds(expected, actual)) {
    throw new WrongExpectedRevisionError(streamId, String(expected), actual);
  }
}

/**
 * Given, for each event of the append (in order), where that event id is already recorded in the stream
 * (undefined when it is not): the original result when all are there, undefined when none are, and
 * PartialDuplicateAppendError otherwise.
 */
export function replayIfDuplicate(
  streamId: string,
  events: readonly EventToAppend[],
  recorded: readonly (AppendedEvent | undefined)[],
): AppendResult | undefined {
  // Reported with the caller's ids (an adapter may normalise them, e.g. ESDB lower-cases UUIDs).
  const found = recorded.flatMap((r, i) => (r ? [{ ...r, eventId: events[i].eventId }] : []));
  if (found.length === 0) return undefined;
  if (found.length < events.length) {
    throw new PartialDuplicateAppendError(
      streamId,
      found.map((r) => r.eventId),
    );
  }
  const last = found[found.length - 1];
  return {
    nextExpectedRevision: last.streamRevision,
    position: last.globalPosition,
    events: found,
    idempotentReplay: true,
  };
}
