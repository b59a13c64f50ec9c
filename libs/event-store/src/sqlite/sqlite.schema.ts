import type Database from 'better-sqlite3';
import type { RecordedEvent } from '../event-store.port';
import { eventKey } from './event-key';

/**
 * One table, created on open (idempotent). `global_position` is the rowid (AUTOINCREMENT: never reused,
 * even after the newest rows are deleted), so reading in global order is a rowid range scan.
 *
 * - UNIQUE (stream_id, stream_revision): the optimistic-concurrency backstop, and its index is the one
 *   that reads a stream in order (no separate index needed).
 * - event_key (eventKey(event_id), a 52-bit integer) and its index: the idempotency lookup (event ids are
 *   scoped to their stream; the lookup compares stream and event id too). Version 1 had a
 *   UNIQUE (stream_id, event_id) index instead: its 36-character keys made it the costliest part of an
 *   insert (twice the revision index), and the check it backed runs under the write lock anyway.
 * - occurred_at keeps the publisher's string untouched; occurred_at_ms (epoch ms) is what `until.occurredAt`
 *   compares, so offsets such as +02:00 compare as instants.
 * - recorded_at is set by the store, always `Date#toISOString()` (UTC, ms), so it compares lexically.
 */
export const SCHEMA_VERSION = 2;

const EVENTS_TABLE = (name: string) => `
CREATE TABLE IF NOT EXISTS ${name} (
  global_position INTEGER PRIMARY KEY AUTOINCREMENT,
  stream_id       TEXT    NOT NULL,
  stream_revision INTEGER NOT NULL,
  event_id        TEXT    NOT NULL,
  event_key       INTEGER NOT NULL,
  type            TEXT    NOT NULL,
  occurred_at     TEXT    NOT NULL,
  occurred_at_ms  INTEGER NOT NULL,
  recorded_at     TEXT    NOT NULL,
  data            TEXT    NOT NULL,
  metadata        TEXT    NOT NULL,
  CONSTRAINT events_stream_revision_unique UNIQUE (stream_id, stream_revision)
);
`;

export const CREATE_SCHEMA = `${EVENTS_TABLE('events')}
CREATE INDEX IF NOT EXISTS events_event_key ON events (event_key);
`;

/**
 * Brings a file of an earlier schema to SCHEMA_VERSION, once, under the write lock (another process
 * opening the same file meanwhile waits, then finds it done). Version 1 -> 2 rebuilds the table (SQLite
 * cannot drop a table constraint): same rows and positions, event_key computed, the AUTOINCREMENT
 * counter kept. Then creates what is missing and records the version.
 */
export function prepareSchema(db: Database.Database): void {
  // A file at this version needs nothing: no write lock taken on open (several processes share the file).
  if (db.pragma('user_version', { simple: true }) === SCHEMA_VERSION) return;
  const migrate = db.transaction(() => {
    const columns = db
      .prepare<[string], { name: string }>('SELECT name FROM pragma_table_info(?)')
      .all('events');
    if (columns.length > 0 && !columns.some((c) => c.name === 'event_key')) rebuildAsVersion2(db);
    db.exec(CREATE_SCHEMA);
    if ((db.pragma('user_version', { simple: true }) as number) < SCHEMA_VERSION) {
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }
  });
  // Another process may be rebuilding a large file right now: wait for it rather than fail after the
  // usual busy timeout (a rebuild takes seconds per million events).
  const busyTimeout = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma(`busy_timeout = ${Math.max(busyTimeout, MIGRATION_WAIT_MS)}`);
  try {
    migrate.immediate();
  } finally {
    db.pragma(`busy_timeout = ${busyTimeout}`);
  }
}

const MIGRATION_WAIT_MS = 10 * 60 * 1000;

function rebuildAsVersion2(db: Database.Database): void {
  db.function('crm_event_key', { deterministic: true }, (eventId: unknown) => eventKey(String(eventId)));
  const sequence = db
    .prepare<[], bigint | null>("SELECT seq FROM sqlite_sequence WHERE name = 'events'")
    .pluck()
    .safeIntegers()
    .get();
  db.exec(`${EVENTS_TABLE('events_v2')}
    INSERT INTO events_v2 (global_position, stream_id, stream_revision, event_id, event_key, type, occurred_at,
                           occurred_at_ms, recorded_at, data, metadata)
      SELECT global_position, stream_id, stream_revision, event_id, crm_event_key(event_id), type, occurred_at,
             occurred_at_ms, recorded_at, data, metadata
      FROM events ORDER BY global_position;
    DROP TABLE events;
    ALTER TABLE events_v2 RENAME TO events;`);
  if (sequence === null || sequence === undefined) return;
  const kept = db.prepare("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'events'").run(sequence);
  if (kept.changes === 0)
    db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('events', ?)").run(sequence);
}

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
