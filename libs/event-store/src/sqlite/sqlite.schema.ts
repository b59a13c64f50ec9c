import type { RecordedEvent } from '../event-store.port';

/**
 * One table, created on open (idempotent). `global_position` is the rowid (AUTOINCREMENT: never reused,
 * even after the newest rows are deleted), so reading in global order is a rowid range scan.
 *
 * - UNIQUE (stream_id, stream_revision): the optimistic-concurrency backstop, and its index is the one
 *   that reads a stream in order (no separate index needed).
 * - UNIQUE (stream_id, event_id): the idempotency lookup (event ids are scoped to their stream).
 * - occurred_at keeps the publisher's string untouched; occurred_at_ms (epoch ms) is what `until.occurredAt`
 *   compares, so offsets such as +02:00 compare as instants.
 * - recorded_at is set by the store, always `Date#toISOString()` (UTC, ms), so it compares lexically.
 */
export const SCHEMA_VERSION = 1;

export const CREATE_SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  global_position INTEGER PRIMARY KEY AUTOINCREMENT,
  stream_id       TEXT    NOT NULL,
  stream_revision INTEGER NOT NULL,
  event_id        TEXT    NOT NULL,
  type            TEXT    NOT NULL,
  occurred_at     TEXT    NOT NULL,
  occurred_at_ms  INTEGER NOT NULL,
  recorded_at     TEXT    NOT NULL,
  data            TEXT    NOT NULL,
  metadata        TEXT    NOT NULL,
  CONSTRAINT events_stream_revision_unique UNIQUE (stream_id, stream_revision),
  CONSTRAINT events_stream_event_id_unique UNIQUE (stream_id, event_id)
);
`;

export const EVENT_COLUMNS =
  'global_position, stream_id, stream_revision, event_id, type, occurred_at, recorded_at, data, metadata';

/** A row as read with safeIntegers(): every INTEGER column is a bigint. */
export interface EventRow {
  global_position: bigint;
  stream_id: string;
  stream_revision: bigint;
  event_id: string;
  type: string;
  occurred_at: string;
  recorded_at: string;
  data: string;
  metadata: string;
}

export function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    streamId: row.stream_id,
    streamRevision: Number(row.stream_revision),
    globalPosition: row.global_position,
    eventId: row.event_id,
    type: row.type,
    occurredAt: row.occurred_at,
    recordedAt: row.recorded_at,
    data: JSON.parse(row.data) as RecordedEvent['data'],
    metadata: JSON.parse(row.metadata) as RecordedEvent['metadata'],
  };
}

/**
 * better-sqlite3's native addon builds its errors from the Error class of the realm that first loaded it,
 * so `instanceof Error` fails in other realms (jest runs each test file in its own): read the fields.
 */
function sqliteCode(error: unknown): { code?: string; message: string } {
  if (typeof error !== 'object' || error === null) return { message: '' };
  const { code, message } = error as { code?: unknown; message?: unknown };
  return {
    code: typeof code === 'string' ? code : undefined,
    message: typeof message === 'string' ? message : '',
  };
}

/** Whether a SQLite error is the (stream_id, stream_revision) uniqueness backstop firing. */
export function isRevisionConflict(error: unknown): boolean {
  const { code, message } = sqliteCode(error);
  return (
    (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') &&
    message.includes('events.stream_revision')
  );
}

/** Lock timeouts: the store is there but cannot take the write lock in time (API: 503, retry later). */
export function isBusy(error: unknown): boolean {
  const { code } = sqliteCode(error);
  return code !== undefined && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}
