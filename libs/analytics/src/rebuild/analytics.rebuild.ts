import { CUSTOMER_STREAM_PREFIX } from '@crm/domain';
import type { RecordedEvent } from '@crm/event-store';
import type {
  LoadContext,
  RebuildableProjection,
  ShadowBuild,
  SkippedEvent,
  SwapContext,
} from '@crm/read-model';
import type { AnalyticsClient } from '../clickhouse/analytics-client.factory';
import { runStatement, selectRows } from '../clickhouse/clickhouse-statements';
import { ClickHouseMigrationsRunner } from '../migrations/clickhouse-migrations.runner';
import { ANALYTICS_PROJECTION, AnalyticsProjector } from '../projector/analytics.projector';
import { EVENT_ROW_COLUMN_NAMES, eventRowsSelect, MAPPING_SETTINGS } from '../projector/event-row.sql';
import { MalformedAnalyticsEventError } from '../projector/malformed-event.error';
import {
  headSql,
  keysTableSql,
  needsUpcastingSql,
  sqliteChunkSource,
  type SqliteStoreFiles,
} from './sqlite-store.source';

/** The shadow database of a live analytics database: same migrations, own checkpoint. */
export const shadowDatabaseName = (live: string): string => `${live}_rebuild`;

export interface AnalyticsRebuildOptions {
  /**
   * The embedded event store's files. When the engine can read them (the embedded engine, or a server on
   * the same host allowed to), the rebuild has ClickHouse read the store itself (`sqlite()`), with no
   * event passing through JavaScript; otherwise (EventStoreDB, a remote server) it streams batches.
   */
  readonly sqliteStore?: SqliteStoreFiles;
  /**
   * Events (global positions) per bulk statement: each moves the shadow's checkpoint. Default 250,000: the
   * statement's tracked memory grows with its length (a million positions went past 768 MiB on 1M events
   * while the process stayed near 600 MiB), so shorter statements keep it under the ceiling.
   */
  readonly loadChunk?: number;
  /**
   * ClickHouse settings of the bulk statements, which bound the engine's memory (in the worker's process
   * on the embedded engine). Default: DEFAULT_LOAD_SETTINGS.
   */
  readonly loadSettings?: Readonly<Record<string, string>>;
  /**
   * Scans of the store per bulk statement, over consecutive sub-ranges of its positions, run at once up to
   * the statement's `max_threads`. Default 1 (its two parts still run at once): at load ~5 on 2 cores, 2 used
   * ~10 % less CPU but took longer (the interleaved sub-ranges leave more merging to the derive).
   */
  readonly loadReaders?: number;
}

/**
 * What bounds a bulk statement's memory: one insert thread and blocks of at most 64k rows (the insert
 * buffers are per partition of the events table), and a hard ceiling that fails the statement rather than
 * the process. `optimize_on_insert` off: the events table collapses duplicates when read (FINAL) and when
 * merged, so collapsing each inserted block as well is work for nothing (a store holds each event once).
 */
export const DEFAULT_LOAD_SETTINGS: Readonly<Record<string, string>> = {
  max_threads: '2',
  max_insert_threads: '1',
  max_block_size: '65536',
  min_insert_block_size_rows: '65536',
  min_insert_block_size_bytes: String(32 << 20),
  max_memory_usage: String(768 << 20),
  optimize_on_insert: '0',
  ...MAPPING_SETTINGS,
};

/** See AnalyticsRebuildOptions.loadChunk. */
const DEFAULT_LOAD_CHUNK = 250_000;

/** Events per batch sent through the mapping from JavaScript (see AnalyticsRebuild.rebuildBatchSize). */
const STREAM_BATCH = 10_000;

/** The projector, with its checkpoint write reachable (a batch may end with a skipped event). */
class ShadowProjector extends AnalyticsProjector {
  checkpointAt(position: bigint): Promise<void> {
    return this.writeCheckpoint(position);
  }
}

/** The same client (and engine) addressing another database: nothing to close of its own. */
const onDatabase = (ch: AnalyticsClient, database: string): AnalyticsClient => ({
  client: ch.client,
  database,
  engine: ch.engine,
  close: async () => undefined,
});

/**
 * The ClickHouse analytics store as a RebuildableProjection. The shadow is a whole database,
 * `<live>_rebuild`, created by the same numbered migrations (so its tables and views are exactly the
 * live ones) and filled with the projector's own mapping (event-row.sql.ts), in bulk: event rows only,
 * each step moving the shadow's checkpoint (a killed build resumes after it); the derived tables
 * (customers, customer_daily) are computed once from all the events just before the swap.
 *
 * From the embedded store (`sqliteStore`), ClickHouse reads the events itself: `INSERT INTO events SELECT
 * <mapping> FROM sqlite(...)`, a million positions per statement, sealed personal data opened in SQL with
 * the keys of keys.sqlite. Only events recorded in an older schema version go through JavaScript (the
 * upcasters are TypeScript): read through the store and inserted like a live batch. From EventStoreDB the
 * ProjectionRebuilder's batches come through `apply`, with the same mapping.
 *
 * The swap is one `EXCHANGE TABLES a AND b, c AND d, ...` statement over every table of the shadow but
 * its migration records; both databases are Atomic (the default, on the server and on the embedded
 * engine), where an exchange is a metadata rename. Each table is exchanged atomically (a query reads the
 * whole old table or the whole new one, never a half-built one); ClickHouse documents the pairs of one
 * statement as exchanged one after another, not together, so a query reading two tables in that instant
 * may join an old one with a new one, each complete. The live views name their tables `<live>.<table>`,
 * so they read the rebuilt tables from then on. ClickHouse has no transactions to hold the live projector
 * off during the swap, and it does not need to be: every analytics write is idempotent (events collapse
 * by identity, derived rows fold only the events they do not reflect, the checkpoint never moves back), so
 * after the exchange the events appended since the shadow's last batch are applied once more to the new
 * live tables, up to the store's head. Anything the live projector wrote into the old tables just before
 * the exchange was in the store by then, so it is in that catch-up; anything it writes after lands on the
 * new tables and collapses with the catch-up's copy.
 */
export class AnalyticsRebuild implements RebuildableProjection {
  readonly name = ANALYTICS_PROJECTION;
  /**
   * Batches of the streaming path. ClickHouse wants large inserts, but past ~10,000 events a batch only
   * costs memory: measured on 210,000 events, 10,000 per batch ran at 23,000 events/s with an 830 MB peak,
   * 50,000 at 18,500 with 1.7 GB.
   */
  readonly rebuildBatchSize = STREAM_BATCH;
  /** Every stream: customers' and campaigns' (the projector keeps what the store holds). */
  readonly streamPrefix = undefined;

  constructor(
    private readonly live: AnalyticsClient,
    private readonly options: AnalyticsRebuildOptions = {},
  ) {}

  async livePosition(): Promise<bigint | undefined> {
    return (await new AnalyticsProjector(this.live).checkpoint()) ?? undefined;
  }

  async openShadow({ fresh }: { fresh: boolean }): Promise<ShadowBuild> {
    const shadow = onDatabase(this.live, shadowDatabaseName(this.live.database));
    if (fresh) await dropDatabase(shadow);
    await new ClickHouseMigrationsRunner(shadow).run();
    const position = (await new AnalyticsProjector(shadow).checkpoint()) ?? 0n;
    const bulk = this.options.sqliteStore && (await readableStore(this.live, this.options.sqliteStore));
    return new AnalyticsShadowBuild(this.live, shadow, position, bulk ? this.options : {});
  }
}

const dropDatabase = (ch: AnalyticsClient): Promise<void> =>
  runStatement(ch.client, `DROP DATABASE IF EXISTS ${ch.database} SYNC`);

/** Whether this engine reads the store's file (a server elsewhere cannot): the bulk path or none. */
async function readableStore(ch: AnalyticsClient, files: SqliteStoreFiles): Promise<boolean> {
  try {
    await selectRows(ch.client, headSql(files));
    return true;
  } catch {
    return false;
  }
}

/**
 * Applies a batch to one store through the projector's mapping, leaving out the events the live consumer
 * would dead-letter, and records `position` as the checkpoint even when the batch's last event was left out.
 * Bulk: the event rows only (the mapping's INSERT leaves the rejected ones out); live: the projector's whole
 * apply, derived rows included, which names the rejected ones itself.
 */
async function applyBatch(
  projector: ShadowProjector,
  events: readonly RecordedEvent[],
  position: bigint,
  mode: 'bulk' | 'live',
): Promise<readonly SkippedEvent[]> {
  let rejected: readonly MalformedAnalyticsEventError[];
  if (mode === 'live') rejected = (await projector.apply(events, { leaveOut: true })).rejected;
  else {
    rejected = await projector.rejections(events);
    await projector.insertEventRows(events);
  }
  await projector.checkpointAt(position);
  const byId = new Map(events.map((event) => [event.eventId, event]));
  return rejected.map((error) => {
    const { eventId, streamId, globalPosition } = byId.get(error.eventId) as RecordedEvent;
    return { eventId, streamId, globalPosition, reason: error.message };
  });
}

/** Tables of the bulk path, in the shadow only: dropped before the swap. */
const INBOX = 'rebuild_inbox';
const KEYS = 'rebuild_keys';
const ACCEPT = 'rebuild_accept';
const REJECTED = 'rebuild_rejected';

class AnalyticsShadowBuild implements ShadowBuild {
  private readonly shadowProjector: ShadowProjector;
  readonly load?: (context: LoadContext) => Promise<{
    position: bigint;
    events: number;
    skipped: readonly SkippedEvent[];
  }>;

  constructor(
    private readonly live: AnalyticsClient,
    private readonly shadow: AnalyticsClient,
    public position: bigint,
    private readonly bulk: AnalyticsRebuildOptions,
  ) {
    this.shadowProjector = new ShadowProjector(shadow);
    const files = bulk.sqliteStore;
    if (files) this.load = (context) => this.loadFromSqlite(files, context);
  }

  async apply(events: readonly RecordedEvent[], position: bigint) {
    const skipped = await applyBatch(this.shadowProjector, events, position, 'bulk');
    this.position = position;
    return { skipped };
  }

  /**
   * ClickHouse reads the store: per chunk of positions, one INSERT ... SELECT through an inbox table
   * (engine Null) whose two materialized views split the mapped rows into `events` and the rejected ones,
   * so the store is read once; then the chunk's events that need upcasting, read through the store and
   * applied in batches like the streaming path's; then the shadow's checkpoint.
   */
  private async loadFromSqlite(files: SqliteStoreFiles, context: LoadContext) {
    const db = this.shadow.database;
    const settings = this.bulk.loadSettings ?? DEFAULT_LOAD_SETTINGS;
    const chunk = BigInt(this.bulk.loadChunk ?? DEFAULT_LOAD_CHUNK);
    const readers = this.bulk.loadReaders ?? 1;
    await this.createInbox();
    // The keys once per run (memory only, so a resumed build loads them again).
    for (const statement of keysTableSql(`${db}.${KEYS}`, files))
      await runStatement(this.shadow.client, statement);
    const [{ head }] = await selectRows<{ head: string }>(this.shadow.client, headSql(files));
    const target = BigInt(head);
    const skipped: SkippedEvent[] = [];
    let events = 0;
    while (this.position < target) {
      const from = this.position;
      const to = from + chunk < target ? from + chunk : target;
      const before = await this.rowCount(`${db}.${INBOX}_seen`);
      await runStatement(
        this.shadow.client,
        `INSERT INTO ${db}.${INBOX} (${EVENT_ROW_COLUMN_NAMES}, rejection)
         SELECT ${EVENT_ROW_COLUMN_NAMES}, rejection
         FROM (${eventRowsSelect(sqliteChunkSource(files, from, to, readers, `${db}.${KEYS}`))})`,
        undefined,
        settings,
      );
      events += (await this.rowCount(`${db}.${INBOX}_seen`)) - before;
      let upcast: RecordedEvent[] = [];
      const applyUpcast = async () => {
        if (upcast.length === 0) return;
        const last = upcast[upcast.length - 1].globalPosition;
        skipped.push(...(await applyBatch(this.shadowProjector, upcast, last, 'bulk')));
        events += upcast.length;
        upcast = [];
      };
      for (const { position } of await selectRows<{ position: string }>(
        this.shadow.client,
        needsUpcastingSql(files, from, to),
      )) {
        const [event] = await context.read(BigInt(position) - 1n, 1);
        if (!event || event.globalPosition !== BigInt(position)) continue;
        upcast.push(event);
        if (upcast.length >= STREAM_BATCH) await applyUpcast();
      }
      await applyUpcast();
      skipped.push(...(await this.rejectedIn(from, to)));
      await this.shadowProjector.checkpointAt(to);
      this.position = to;
      await context.progress(to, events);
    }
    await runStatement(this.shadow.client, `DROP TABLE IF EXISTS ${db}.${KEYS} SYNC`);
    return { position: this.position, events, skipped };
  }

  /** The inbox and its two views (idempotent: a resumed build finds them). */
  private async createInbox(): Promise<void> {
    const db = this.shadow.database;
    for (const statement of [
      `CREATE TABLE IF NOT EXISTS ${db}.${INBOX} ENGINE = Null
         EMPTY AS SELECT ${EVENT_ROW_COLUMN_NAMES}, '' AS rejection FROM ${db}.events`,
      `CREATE TABLE IF NOT EXISTS ${db}.${REJECTED}
         (event_id String, customer_id String, global_position UInt64, rejection String)
         ENGINE = MergeTree ORDER BY global_position`,
      `CREATE TABLE IF NOT EXISTS ${db}.${INBOX}_seen (n UInt64) ENGINE = SummingMergeTree ORDER BY tuple()`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.${ACCEPT} TO ${db}.events (${EVENT_ROW_COLUMN_NAMES})
         AS SELECT ${EVENT_ROW_COLUMN_NAMES} FROM ${db}.${INBOX} WHERE rejection = ''`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.${REJECTED}_view TO ${db}.${REJECTED}
         AS SELECT event_id, customer_id, global_position, rejection FROM ${db}.${INBOX} WHERE rejection != ''`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.${INBOX}_count TO ${db}.${INBOX}_seen
         AS SELECT count() AS n FROM ${db}.${INBOX}`,
    ]) {
      await runStatement(this.shadow.client, statement);
    }
  }

  private async rowCount(table: string): Promise<number> {
    const [row] = await selectRows<{ n: number }>(this.shadow.client, `SELECT sum(n) AS n FROM ${table}`);
    return Number(row?.n ?? 0);
  }

  private async rejectedIn(from: bigint, to: bigint): Promise<SkippedEvent[]> {
    const rows = await selectRows<{
      event_id: string;
      customer_id: string;
      position: string;
      rejection: string;
    }>(
      this.shadow.client,
      `SELECT event_id, customer_id, toString(global_position) AS position, rejection
       FROM ${this.shadow.database}.${REJECTED}
       WHERE global_position > ${from} AND global_position <= ${to} ORDER BY global_position`,
    );
    return rows.map((row) => ({
      eventId: row.event_id,
      streamId: `${CUSTOMER_STREAM_PREFIX}${row.customer_id}`,
      globalPosition: BigInt(row.position),
      reason: new MalformedAnalyticsEventError(row.event_id, row.rejection).message,
    }));
  }

  async swap(context: SwapContext) {
    const skipped: SkippedEvent[] = [];
    let events = 0;
    // Catch the shadow up to the head first, so the window the catch-up below covers stays small.
    for (let batch = await context.readBatch(this.position); batch.length > 0;) {
      skipped.push(...(await this.apply(batch, batch[batch.length - 1].globalPosition)).skipped);
      events += batch.length;
      batch = await context.readBatch(this.position);
    }
    await this.dropInbox();
    // The shadow holds events only (bulk mode): its derived rows, in one pass, before it goes live.
    await this.shadowProjector.deriveAll();
    await context.confirmLease();
    const pairs = (await this.swappedTables())
      .map((table) => `${this.live.database}.${table} AND ${this.shadow.database}.${table}`)
      .join(', ');
    await runStatement(this.live.client, `EXCHANGE TABLES ${pairs}`);
    // Live (rebuilt) tables from here on: whatever was appended since the shadow's last batch, again.
    const liveProjector = new ShadowProjector(this.live);
    let position = this.position;
    for (let batch = await context.readBatch(position); batch.length > 0;) {
      position = batch[batch.length - 1].globalPosition;
      skipped.push(...(await applyBatch(liveProjector, batch, position, 'live')));
      events += batch.length;
      batch = await context.readBatch(position);
    }
    return { position, events, skipped };
  }

  private async dropInbox(): Promise<void> {
    const db = this.shadow.database;
    for (const name of [
      `${INBOX}_count`,
      `${REJECTED}_view`,
      ACCEPT,
      INBOX,
      `${INBOX}_seen`,
      REJECTED,
      KEYS,
    ]) {
      await runStatement(this.shadow.client, `DROP TABLE IF EXISTS ${db}.${name} SYNC`);
    }
  }

  /** Every table of the shadow but its migration records (the views stay where they are: they name tables). */
  private async swappedTables(): Promise<string[]> {
    const rows = await selectRows<{ name: string }>(
      this.shadow.client,
      `SELECT name FROM system.tables
       WHERE database = {db:String} AND engine NOT IN ('View', 'MaterializedView')
         AND name != 'schema_migrations' ORDER BY name`,
      { db: this.shadow.database },
    );
    return rows.map((row) => row.name);
  }

  /** The shadow database now holds the replaced tables (and its own views): all of it goes. */
  async retire(): Promise<void> {
    await dropDatabase(this.shadow);
  }

  async close(): Promise<void> {
    // Nothing of its own: the client belongs to the process.
  }
}
