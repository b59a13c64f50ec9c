import Database from 'better-sqlite3';
import { randomBytes, randomUUID } from 'node:crypto';
import { type DataKey, DataKeyDestroyedError, type KeyStore } from '../key-store.port';

/** AES-256. */
const KEY_BYTES = 32;

interface KeyRow {
  key_id: string;
  key: Buffer | null;
}

/** A keysFor call with subjects that have no key yet, waiting for the next group commit. */
interface PendingKeys {
  readonly missing: readonly string[];
  readonly all: readonly string[];
  readonly resolve: (keys: Map<string, DataKey>) => void;
  readonly reject: (error: unknown) => void;
}

type KeysOutcome = { readonly keys: Map<string, DataKey> } | { readonly error: unknown };

/**
 * Data keys in a SQLite file of their own (`<DATA_DIR>/keys.sqlite` by default), shared by the processes of
 * one host like the embedded event store. Not in the event store (immutable by design) nor in the read model
 * (a projection: rebuilt and dropped at will, and possibly on another server than the events).
 *
 * A destroyed key leaves a tombstone (key NULL) so no new key is ever made for that subject. `secure_delete`
 * makes SQLite overwrite the freed bytes, and a TRUNCATE checkpoint right after the destruction empties the
 * WAL, which still held the page with the key (if another process is reading at that instant, the next
 * checkpoint does it). WAL with synchronous FULL: a key is on disk before the event sealed with it is
 * appended (losing it would erase that customer), at a sixth of the rollback journal's fsync cost. That
 * fsync is per transaction, so keysFor creates all of a bulk append's new keys in one, and the calls that
 * need new keys in one event-loop turn (concurrent appends of new customers) share one transaction too
 * (group commit, as the event store's appends): each call in a savepoint, so a call naming a destroyed
 * subject fails alone and the others get their keys.
 */
export class SqliteKeyStore implements KeyStore {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement<[string, string, Buffer, string]>;
  private readonly bySubject: Database.Statement<[string], KeyRow>;
  private readonly byKeyId: Database.Statement<[string], KeyRow>;
  private readonly shred: Database.Statement<[string, string]>;
  private readonly tombstone: Database.Statement<[string, string, string, string]>;
  private readonly createMissing: Database.Transaction<
    (missing: readonly string[], all: readonly string[]) => Map<string, DataKey>
  >;
  private readonly createGroup: Database.Transaction<(calls: readonly PendingKeys[]) => KeysOutcome[]>;
  private pending: PendingKeys[] = [];
  private flushScheduled = false;

  constructor(file: string, options: { busyTimeoutMs?: number } = {}) {
    this.db = new Database(file);
    this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5_000}`);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('secure_delete = ON');
    this.db.exec(`CREATE TABLE IF NOT EXISTS data_keys (
      subject_id   TEXT PRIMARY KEY,
      key_id       TEXT NOT NULL UNIQUE,
      key          BLOB,
      created_at   TEXT NOT NULL,
      destroyed_at TEXT
    )`);
    this.insert = this.db.prepare(
      'INSERT OR IGNORE INTO data_keys (subject_id, key_id, key, created_at) VALUES (?, ?, ?, ?)',
    );
    this.bySubject = this.db.prepare('SELECT key_id, key FROM data_keys WHERE subject_id = ?');
    this.byKeyId = this.db.prepare('SELECT key_id, key FROM data_keys WHERE key_id = ?');
    this.shred = this.db.prepare(
      'UPDATE data_keys SET key = NULL, destroyed_at = ? WHERE subject_id = ? AND key IS NOT NULL',
    );
    this.tombstone = this.db.prepare(
      'INSERT OR IGNORE INTO data_keys (subject_id, key_id, key, created_at, destroyed_at) ' +
        'VALUES (?, ?, NULL, ?, ?)',
    );
    this.createMissing = this.db.transaction((missing: readonly string[], all: readonly string[]) => {
      const now = new Date().toISOString();
      // One draw from the CSPRNG for every new key (a call per key costs more than the bytes).
      const material = randomBytes(KEY_BYTES * missing.length);
      // OR IGNORE: another process may have created some since they were found missing; theirs is kept.
      missing.forEach((subjectId, i) =>
        this.insert.run(subjectId, randomUUID(), material.subarray(i * KEY_BYTES, (i + 1) * KEY_BYTES), now),
      );
      // Read back under the lock (a key may also have been destroyed meanwhile). Throwing here rolls the
      // new keys back: the caller's append is refused as a whole.
      return this.liveKeys(all);
    });
    this.createGroup = this.db.transaction((calls: readonly PendingKeys[]) =>
      calls.map((call): KeysOutcome => {
        try {
          return { keys: this.createMissing(call.missing, call.all) }; // nested: a savepoint per call
        } catch (error) {
          if (!this.db.inTransaction) throw error; // the transaction itself is gone: fail the group
          return { error };
        }
      }),
    );
  }

  async keyFor(subjectId: string): Promise<DataKey> {
    const keys = await this.keysFor([subjectId]);
    return keys.get(subjectId) as DataKey;
  }

  keysFor(subjectIds: readonly string[]): Promise<Map<string, DataKey>> {
    try {
      const unique = [...new Set(subjectIds)];
      // Read first, without the write lock: known subjects need no transaction (and no fsync), and a
      // destroyed one fails the call before anything is written.
      const keys = new Map<string, DataKey>();
      const missing: string[] = [];
      for (const subjectId of unique) {
        const row = this.bySubject.get(subjectId);
        if (!row) missing.push(subjectId);
        else if (!row.key) throw new DataKeyDestroyedError(subjectId);
        else keys.set(subjectId, { keyId: row.key_id, key: row.key });
      }
      if (missing.length === 0) return Promise.resolve(keys);
      return new Promise((resolve, reject) => {
        this.pending.push({ missing, all: unique, resolve, reject });
        if (this.flushScheduled) return;
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      });
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  find(keyId: string): Promise<Buffer | undefined> {
    return Promise.resolve(this.byKeyId.get(keyId)?.key ?? undefined);
  }

  destroy(subjectId: string): Promise<boolean> {
    const now = new Date().toISOString();
    const destroyed = this.db.transaction(() => {
      const changed = this.shred.run(now, subjectId).changes > 0;
      this.tombstone.run(subjectId, randomUUID(), now, now);
      return changed;
    })();
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    return Promise.resolve(destroyed);
  }

  /** One BEGIN IMMEDIATE transaction (one fsync) for the new keys of every call queued this turn. */
  private flush(): void {
    this.flushScheduled = false;
    const calls = this.pending;
    if (calls.length === 0) return;
    this.pending = [];
    let outcomes: KeysOutcome[];
    try {
      outcomes = this.createGroup.immediate(calls);
    } catch (error) {
      for (const call of calls) call.reject(error);
      return;
    }
    outcomes.forEach((outcome, i) =>
      'keys' in outcome ? calls[i].resolve(outcome.keys) : calls[i].reject(outcome.error),
    );
  }

  /** Each subject's live key; DataKeyDestroyedError for the first one without (destroyed). */
  private liveKeys(subjectIds: readonly string[]): Map<string, DataKey> {
    const keys = new Map<string, DataKey>();
    for (const subjectId of subjectIds) {
      const row = this.bySubject.get(subjectId);
      if (!row?.key) throw new DataKeyDestroyedError(subjectId);
      keys.set(subjectId, { keyId: row.key_id, key: row.key });
    }
    return keys;
  }

  close(): Promise<void> {
    if (this.db.open) {
      this.flush(); // calls already accepted get their keys (or their error), not a closed database
      this.db.close();
    }
    return Promise.resolve();
  }
}
