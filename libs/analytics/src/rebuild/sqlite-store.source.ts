import { ANALYTICS_STREAM_SQL } from '../projector/analytics-streams';
import { NEEDS_UPCASTING } from '../projector/event-row.sql';

/** The embedded event store's files, which ClickHouse reads itself with its `sqlite()` table function. */
export interface SqliteStoreFiles {
  /** `<DATA_DIR>/events.sqlite`. */
  readonly eventsFile: string;
  /** `<DATA_DIR>/keys.sqlite`: the customers' data keys, to open sealed personal data. */
  readonly keysFile: string;
}

const SEALED = 'sealedPersonalData';

const literal = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

const events = (files: SqliteStoreFiles) => `sqlite(${literal(files.eventsFile)}, 'events')`;

/** Customer and campaign streams' events in (from, to], as the store keeps them. */
const inRange = (from: bigint, to: bigint) =>
  `global_position > ${from} AND global_position <= ${to} AND ${ANALYTICS_STREAM_SQL('stream_id')}`;

/** What the keys table is keyed by: 16 bytes per key instead of the key id's text (a third of the memory). */
const keyIdHash = (keyId: string) => `reinterpretAsUInt128(sipHash128(${keyId}))`;

/**
 * The customers' data keys, loaded once per rebuild into a table of the shadow database (engine Join,
 * memory only: `persistent = 0` keeps the keys out of ClickHouse's files, so destroying a key in keys.sqlite
 * still shreds the data). The sealed events of every chunk look their key up in it (`joinGet`) instead of
 * each statement reading keys.sqlite and building its own hash table. Keyed by a 128-bit hash of the key id:
 * two ids of one hash would only make AES-GCM refuse the wrong key (the event is reported as not opened),
 * never open data with it. A key destroyed (NULL) is left out: looked up, it reads as '' like a missing one.
 * A key destroyed after this snapshot was taken is handled like one destroyed during a streaming rebuild:
 * the derive before the swap scrubs the erased customers.
 */
export const keysTableSql = (table: string, files: Pick<SqliteStoreFiles, 'keysFile'>): readonly string[] => [
  `DROP TABLE IF EXISTS ${table} SYNC`,
  `CREATE TABLE ${table} (id UInt128, key String) ENGINE = Join(ANY, LEFT, id) SETTINGS persistent = 0`,
  `INSERT INTO ${table} (id, key)
   SELECT ${keyIdHash('key_id')}, key FROM sqlite(${literal(files.keysFile)}, 'data_keys') WHERE key IS NOT NULL`,
];

/**
 * The events of (from, to] that the SQL mapping takes as stored (current schema versions), as raw events
 * (RAW_EVENT_STRUCTURE), in two parts: the unsealed ones (`personal` '{}'), and the sealed ones
 * (acquisitions) with their personal data opened in SQL: AES-256-GCM as
 * libs/event-store/src/erasure/personal-data.cipher.ts seals it (12-byte nonce, ciphertext then 16-byte tag,
 * the event id as additional data), with the customer's key from the keys table (keysTableSql). A destroyed
 * key or none at all opens nothing, as the store's own reader does (the fields are erased); a ciphertext
 * that does not authenticate gives `personal` that is not JSON, which the mapping rejects. Two parts,
 * because the mapping runs without short-circuit evaluation (MAPPING_SETTINGS): the lookup and the
 * decryption would otherwise be paid by every event.
 */
export function sqliteEventsSource(
  files: SqliteStoreFiles,
  from: bigint,
  to: bigint,
  part: 'unsealed' | 'sealed',
  keysTable: string,
): string {
  // The range (and the LIKEs) go down to SQLite only from a plain scan of the table function: the rows
  // are filtered there, then renamed and looked up here.
  const where = `${inRange(from, to)} AND data ${part === 'sealed' ? '' : 'NOT '}LIKE '%"${SEALED}"%'
        AND NOT (${NEEDS_UPCASTING})`;
  const scan = `(SELECT * FROM ${events(files)} WHERE ${where})`;
  const columns = `toUInt64(e.global_position) AS global_position, e.stream_id AS stream_id,
        toUInt64(e.stream_revision) AS stream_revision, e.event_id AS event_id, e.type AS type,
        e.occurred_at AS occurred_at, e.recorded_at AS recorded_at, e.data AS data, e.metadata AS metadata`;
  if (part === 'unsealed') return `(SELECT ${columns}, '{}' AS personal FROM ${scan} AS e)`;
  const sealed = `JSONExtractRaw(e.data, '${SEALED}')`;
  // Every argument well-formed on every row (no short-circuit evaluation): a key or nonce of the wrong
  // size would throw, even on a row whose result is not used.
  const b64 = (field: string) => `tryBase64Decode(JSONExtractString(${sealed}, '${field}'))`;
  const sized = (value: string, bytes: number) =>
    `if(length(${value}) = ${bytes}, ${value}, repeat('\\0', ${bytes}))`;
  const open = `tryDecrypt('aes-256-gcm', concat(${b64('ciphertext')}, ${b64('tag')}),
        ${sized('e.key', 32)}, ${sized(b64('iv'), 12)}, e.event_id)`;
  return `(
    SELECT ${columns},
        if(e.key = '' OR JSONExtractString(${sealed}, 'alg') != 'A256GCM', '{}', ifNull(${open}, 'not opened')) AS personal
    FROM (SELECT *, joinGet(${literal(keysTable)}, 'key', ${keyIdHash(`JSONExtractString(data, '${SEALED}', 'keyId')`)}) AS key
          FROM ${scan}) AS e
)`;
}

/**
 * Every event of (from, to] the mapping takes as stored, read by `readers` scans of consecutive sub-ranges
 * (each part of each sub-range its own scan, UNION ALL): SQLite's reader is one thread per scan, and the
 * engine runs as many scans, and the mapping over their rows, at once as the statement's `max_threads`.
 */
export function sqliteChunkSource(
  files: SqliteStoreFiles,
  from: bigint,
  to: bigint,
  readers: number,
  keysTable: string,
): string {
  const count = BigInt(Math.max(1, Math.floor(readers)));
  const step = (to - from + count - 1n) / count;
  const scans: string[] = [];
  for (let start = from; start < to; start += step) {
    const end = start + step < to ? start + step : to;
    for (const part of ['unsealed', 'sealed'] as const) {
      scans.push(`SELECT * FROM ${sqliteEventsSource(files, start, end, part, keysTable)}`);
    }
  }
  return `(${scans.join('\n    UNION ALL ')})`;
}

/** Positions of the events of (from, to] that need upcasting first (read through the store instead). */
export const needsUpcastingSql = (files: SqliteStoreFiles, from: bigint, to: bigint) =>
  `SELECT toString(global_position) AS position FROM ${events(files)}
   WHERE ${inRange(from, to)} AND ${NEEDS_UPCASTING} ORDER BY global_position`;

/** The store's head (0 when empty), and whether this engine can read the file at all. */
export const headSql = (files: SqliteStoreFiles) =>
  `SELECT toString(ifNull(max(global_position), 0)) AS head FROM ${events(files)}`;
