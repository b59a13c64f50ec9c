import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anEvent } from '../testing/event-store.fixtures';
import { eventKey } from './event-key';
import { SqliteEventStore } from './sqlite.event-store';
import { SCHEMA_VERSION } from './sqlite.schema';

const dir = mkdtempSync(join(tmpdir(), 'crm-event-store-schema-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The table as schema version 1 created it, with its UNIQUE (stream_id, event_id) index. */
const VERSION_1 = `
CREATE TABLE events (
  global_position INTEGER PRIMARY KEY AUTOINCREMENT,
  stream_id TEXT NOT NULL, stream_revision INTEGER NOT NULL, event_id TEXT NOT NULL, type TEXT NOT NULL,
  occurred_at TEXT NOT NULL, occurred_at_ms INTEGER NOT NULL, recorded_at TEXT NOT NULL,
  data TEXT NOT NULL, metadata TEXT NOT NULL,
  CONSTRAINT events_stream_revision_unique UNIQUE (stream_id, stream_revision),
  CONSTRAINT events_stream_event_id_unique UNIQUE (stream_id, event_id)
);
PRAGMA user_version = 1;`;

/** A version-1 file with `rows` events over three streams; the newest positions were deleted (seq 1000). */
function version1File(rows: number): { file: string; ids: string[] } {
  const file = join(dir, `${randomUUID()}.sqlite`);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(VERSION_1);
  const insert = db.prepare(
    `INSERT INTO events (stream_id, stream_revision, event_id, type, occurred_at, occurred_at_ms, recorded_at, data, metadata)
     VALUES (?, ?, ?, 'CustomerPurchased', '2024-01-01T00:00:00.000Z', 1704067200000, '2024-01-02T00:00:00.000Z', ?, '{}')`,
  );
  const ids: string[] = [];
  db.transaction(() => {
    for (let i = 0; i < rows; i++) {
      const id = randomUUID();
      ids.push(id);
      insert.run(`customer-${i % 3}`, Math.floor(i / 3), id, JSON.stringify({ n: i }));
    }
  })();
  db.exec("UPDATE sqlite_sequence SET seq = 1000 WHERE name = 'events'");
  db.close();
  return { file, ids };
}

const inspect = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return {
      version: db.pragma('user_version', { simple: true }) as number,
      indexes: db
        .prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'")
        .pluck()
        .all()
        .sort(),
      keys: db
        .prepare<[], { event_id: string; event_key: number }>('SELECT event_id, event_key FROM events')
        .all(),
      seq: db.prepare<[], number>("SELECT seq FROM sqlite_sequence WHERE name = 'events'").pluck().get(),
    };
  } finally {
    db.close();
  }
};

describe('SqliteEventStore schema', () => {
  it('creates a new file at the current version: one unique index (stream, revision) and the event-key index', async () => {
    const file = join(dir, `${randomUUID()}.sqlite`);
    await new SqliteEventStore(file).close();
    const { version, indexes } = inspect(file);
    expect(version).toBe(SCHEMA_VERSION);
    expect(indexes).toEqual(['events_event_key', 'sqlite_autoindex_events_1']);
  });

  it('migrates a version-1 file on open: same events and positions, keys filled, counter kept, idempotency intact', async () => {
    const { file, ids } = version1File(30);
    const store = new SqliteEventStore(file);
    try {
      const after = inspect(file);
      expect(after.version).toBe(SCHEMA_VERSION);
      expect(after.indexes).toEqual(['events_event_key', 'sqlite_autoindex_events_1']);
      expect(after.keys.every((row) => row.event_key === eventKey(row.event_id))).toBe(true);

      const stream = await store.readStream('customer-1');
      expect(stream.map((e) => e.eventId)).toEqual(ids.filter((_, i) => i % 3 === 1));
      expect(stream.map((e) => e.globalPosition)).toEqual(
        ids.map((_, i) => BigInt(i + 1)).filter((_, i) => i % 3 === 1),
      );
      expect(stream[2].data).toEqual({ n: 7 });

      // An event the file held before the migration is found by the new index: a replay, nothing appended.
      const replay = await store.appendToStream('customer-1', [
        { ...anEvent(), eventId: ids[1], type: 'CustomerPurchased' },
      ]);
      expect(replay.idempotentReplay).toBe(true);
      expect(replay.events[0].globalPosition).toBe(2n);
      // New positions continue after the counter, not after the highest row left.
      const appended = await store.appendToStream('customer-1', [anEvent()], { expectedRevision: 9 });
      expect(appended.events[0].globalPosition).toBe(1001n);
    } finally {
      await store.close();
    }
    // Reopening a migrated file changes nothing.
    await new SqliteEventStore(file).close();
    expect(inspect(file).keys).toHaveLength(31);
  });

  it('migrates once when two stores open the same version-1 file together', async () => {
    const { file } = version1File(9);
    const stores = [new SqliteEventStore(file), new SqliteEventStore(file)];
    try {
      expect((await stores[1].readStream('customer-0')).length).toBe(3);
      await stores[0].appendToStream('customer-9', [anEvent()]);
      expect((await stores[1].readStream('customer-9')).length).toBe(1);
    } finally {
      for (const store of stores) await store.close();
    }
    expect(inspect(file).version).toBe(SCHEMA_VERSION);
  });
});
