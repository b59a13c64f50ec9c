import { customerIdFromStream, isCampaignStream } from '@crm/domain';
import type { RecordedEvent } from '@crm/event-store';
import { isAnalyticsStream } from './analytics-streams';
import type { AnalyticsClient } from '../clickhouse/analytics-client.factory';
import { runStatement, selectRows } from '../clickhouse/clickhouse-statements';
import {
  customerRowsSource,
  ERASED_TYPE,
  foldCustomersSql,
  foldDailySql,
  type FoldedRevisions,
  noCustomerRows,
  previousCustomersSql,
  REVISION_COLUMNS,
  revisionRowsSource,
  unfoldedRevisionsSql,
} from './customer-fold.sql';
import { eventRowsSelect, insertEventRowsSql } from './event-row.sql';
import { MalformedAnalyticsEventError } from './malformed-event.error';
import { RAW_BATCH_SETTINGS, rawEventsSource } from './raw-event.batch';

/** Checkpoint name of the analytics projection (projection_checkpoints.projection_name). */
export const ANALYTICS_PROJECTION = 'analytics';

interface MappedBatch {
  readonly rejected: MalformedAnalyticsEventError[];
  readonly revisions: Record<string, unknown>[];
}

export interface AnalyticsApplyResult {
  /** Customer events written (after dropping duplicates within the batch). */
  readonly events: number;
  /** Customers of the batch, whose dimension and daily rows were folded. */
  readonly customers: number;
  /** Highest global position of the batch, now recorded as the checkpoint. */
  readonly position?: bigint;
  /** Events left out because the store cannot hold them (with `leaveOut`). */
  readonly rejected: readonly MalformedAnalyticsEventError[];
}

/** Rows per INSERT and customers per fold (query parameters travel in the URL over HTTP). */
const INSERT_CHUNK = 50_000;
const ID_CHUNK = 1_000;

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/**
 * Projects recorded customer events into the analytics store. ClickHouse has no transactions, so exactness
 * does not come from atomicity but from every write being idempotent:
 *
 * 1. events: inserted as they are. The table is a ReplacingMergeTree keyed by the event's own immutable
 *    fields ending in event_id, and every query reads it FINAL: a second copy is never counted.
 * 2. customers and customer_daily: the batch's events (through customer_revisions) folded into the rows its
 *    customers (and customer-days) have, adding only the stream revisions a row does not reflect yet
 *    (customer-fold.sql.ts); replaying or redelivering adds nothing, and ReplacingMergeTree(version = events
 *    reflected) keeps the row that reflects the most.
 * 3. checkpoint: the batch's highest position, written last (so it never runs ahead of the data).
 *
 * A crash anywhere leaves data that re-applying the same batch completes: the consumer commits its offsets
 * only after `apply` resolved, so the bus redelivers the batch. Per-customer order is not even required.
 */
export class AnalyticsProjector {
  private readonly db: string;

  constructor(
    private readonly ch: AnalyticsClient,
    private readonly projection: string = ANALYTICS_PROJECTION,
  ) {
    this.db = ch.database;
  }

  /**
   * An event the store cannot hold fails the batch (MalformedAnalyticsEventError) unless `leaveOut`: then
   * the others are written and the result names it (the consumer dead-letters it).
   */
  async apply(
    events: readonly RecordedEvent[],
    options: { leaveOut?: boolean } = {},
  ): Promise<AnalyticsApplyResult> {
    const batch = analyticsEvents(events);
    const customers = [
      ...new Set(
        batch.filter((e) => !isCampaignStream(e.streamId)).map((e) => customerIdFromStream(e.streamId)),
      ),
    ];
    const { rejected, revisions } =
      batch.length > 0 ? await this.mapBatch(batch) : { rejected: [], revisions: [] };
    if (rejected.length > 0 && !options.leaveOut) throw rejected[0];
    if (batch.length > 0) {
      await this.insertEvents(batch);
      await this.insertRevisions(revisions);
      await this.scrubErased(batch);
      for (const ids of chunks(customers, ID_CHUNK)) await this.fold(ids);
    }
    const position = highestPosition(events);
    if (position !== undefined) await this.writeCheckpoint(position);
    return { events: batch.length - rejected.length, customers: customers.length, position, rejected };
  }

  /**
   * The events of `events` the store cannot hold, in their order, as the errors the consumer dead-letters
   * them with. Decided by the mapping itself (event-row.sql.ts), so the check and the write never disagree.
   */
  async rejections(events: readonly RecordedEvent[]): Promise<MalformedAnalyticsEventError[]> {
    const batch = analyticsEvents(events);
    return batch.length === 0 ? [] : (await this.mapBatch(batch, false)).rejected;
  }

  /**
   * The batch through the mapping once: the events it rejects, and (`withRevisions`) the customer_revisions
   * rows of the others (the columns the derived rows are made of); without, only the rejected rows come back.
   */
  private async mapBatch(batch: readonly RecordedEvent[], withRevisions = true): Promise<MappedBatch> {
    const mapped = eventRowsSelect(rawEventsSource(batch));
    const result = await this.ch.client.query({
      query: withRevisions
        ? `SELECT rejection, event_id, ${REVISION_COLUMNS.join(', ')} FROM (${mapped})`
        : `SELECT rejection, event_id FROM (${mapped}) WHERE rejection != ''`,
      format: 'JSONEachRow',
      clickhouse_settings: RAW_BATCH_SETTINGS,
    });
    const rows = await result.json<Record<string, unknown> & { rejection: string; event_id: string }>();
    const reasons = new Map<string, string>();
    const revisions: Record<string, unknown>[] = [];
    for (const { rejection, event_id: eventId, ...row } of rows) {
      if (rejection !== '') reasons.set(eventId, rejection);
      else if (row.customer_id !== '') revisions.push(row);
    }
    const rejected = batch
      .filter((event) => reasons.has(event.eventId))
      .map((event) => new MalformedAnalyticsEventError(event.eventId, reasons.get(event.eventId) as string));
    return { rejected, revisions };
  }

  /**
   * Bulk mode, for a rebuild into an empty store: the event rows only, no derived rows and no checkpoint;
   * `deriveAll` computes the derived rows once at the end, in one pass over the events instead of one
   * fold per batch. Events the store cannot hold are left out (the caller reports them). No scrubbing
   * either: the store yields an erased customer's events without personal data (and `deriveAll` scrubs any
   * read before the erasure).
   */
  async insertEventRows(events: readonly RecordedEvent[]): Promise<void> {
    const batch = analyticsEvents(events);
    if (batch.length > 0) await this.insertEvents(batch);
  }

  /**
   * Folds every stored event into the derived rows (customers, customer_daily): the live fold's own SQL
   * with no previous rows, so a rebuilt store equals a live one. Scrubs every erased customer first (one
   * erased while a rebuild ran may have been read before its key was destroyed). Idempotent: run on
   * derived rows that exist already, it adds nothing.
   */
  async deriveAll(): Promise<void> {
    await runStatement(
      this.ch.client,
      scrubErasedSql(
        this.db,
        `customer_id IN (SELECT customer_id FROM ${this.db}.events WHERE event_type = '${ERASED_TYPE}')`,
      ),
    );
    const all = `${this.db}.events FINAL`;
    await runStatement(this.ch.client, foldDailySql(this.db, all, '1'), undefined, WHOLE_TABLE_SETTINGS);
    await runStatement(
      this.ch.client,
      foldCustomersSql(this.db, all, noCustomerRows(this.db)),
      undefined,
      WHOLE_TABLE_SETTINGS,
    );
  }

  /** Highest global position applied (null before the first batch): the analytics stage's lag is measured from it. */
  async checkpoint(): Promise<bigint | null> {
    const rows = await selectRows<{ position: string; n: number }>(
      this.ch.client,
      `SELECT toString(max(position)) AS position, count() AS n
       FROM ${this.db}.projection_checkpoints WHERE projection_name = {projection:String}`,
      { projection: this.projection },
    );
    return rows[0] && rows[0].n > 0 ? BigInt(rows[0].position) : null;
  }

  /** The batch through the SQL mapping; events the store cannot hold are left out (checked before). */
  protected async insertEvents(events: readonly RecordedEvent[]): Promise<void> {
    for (const chunk of chunks(events, INSERT_CHUNK)) {
      await runStatement(
        this.ch.client,
        insertEventRowsSql(this.db, rawEventsSource(chunk)),
        undefined,
        RAW_BATCH_SETTINGS,
      );
    }
  }

  /**
   * Right to erasure: the city of an erased customer's CustomerAcquired row is replaced by '' (a newer copy
   * of the row; events FINAL keeps the last inserted). Replays need nothing of this: the event store already
   * yields the event without the city once the customer's key is destroyed. (No `city != ''` filter: the
   * REPLACE alias would shadow the column in WHERE; rewriting an already scrubbed row is harmless.) The
   * customer's recent rows in customer_revisions get a scrubbed copy too, the one merges keep.
   */
  protected async scrubErased(events: readonly RecordedEvent[]): Promise<void> {
    const erased = [
      ...new Set(events.filter((e) => e.type === ERASED_TYPE).map((e) => customerIdFromStream(e.streamId))),
    ];
    for (const ids of chunks(erased, ID_CHUNK)) {
      await runStatement(this.ch.client, scrubErasedSql(this.db, BY_IDS), { ids });
      await runStatement(this.ch.client, scrubRevisionsSql(this.db), { ids });
    }
  }

  /** The batch's customer_revisions rows: what this fold, or a concurrent one, reads back. */
  protected async insertRevisions(rows: readonly Record<string, unknown>[]): Promise<void> {
    if (rows.length === 0) return;
    await this.ch.client.insert({
      table: `${this.db}.customer_revisions`,
      columns: [...REVISION_COLUMNS],
      format: 'JSONEachRow',
      values: rows as Record<string, unknown>[],
    });
  }

  /**
   * Folds into the rows of `customerIds` the events their rows do not reflect yet: the customers rows are
   * read once, the unfolded revisions once (a key range per customer, not its history), and both writes
   * use those same rows, so a concurrent fold can only write a row that reflects fewer events (a lower
   * version) or the same ones. Daily rows first: a customers row never reflects a purchase its day lacks.
   */
  protected async fold(customerIds: readonly string[]): Promise<void> {
    const previous = await this.textRows(previousCustomersSql(this.db), { ids: customerIds });
    const folded = new Map<string, FoldedRevisions>(
      customerIds.map((id) => [id, { through: -1, above: [] }]),
    );
    for (const line of previous) {
      const row = JSON.parse(line) as { customer_id: string; folded_through: number; folded_above: number[] };
      folded.set(row.customer_id, {
        through: Number(row.folded_through),
        above: row.folded_above.map(Number),
      });
    }
    const unfolded = await this.textRows(unfoldedRevisionsSql(this.db, folded));
    if (unfolded.length === 0) return; // every event is reflected already (a redelivery)
    await this.foldDaily(unfolded);
    await this.foldCustomers(unfolded, previous);
  }

  /** The purchases among `unfolded` (JSON lines of REVISION_COLUMNS) into their days' rows. */
  protected async foldDaily(unfolded: readonly string[]): Promise<void> {
    const purchases = unfolded
      .map((line) => JSON.parse(line) as { customer_id: string; event_type: string; occurred_at: string })
      .filter((row) => row.event_type === 'CustomerPurchased');
    if (purchases.length === 0) return;
    await runStatement(
      this.ch.client,
      foldDailySql(this.db, revisionRowsSource(unfolded), BY_IDS_AND_DAYS),
      {
        ids: [...new Set(purchases.map((row) => row.customer_id))],
        days: [...new Set(purchases.map((row) => row.occurred_at.slice(0, 10)))],
      },
      RAW_BATCH_SETTINGS,
    );
  }

  /** `unfolded` (JSON lines of REVISION_COLUMNS) into the customers rows read before (`previous`). */
  protected async foldCustomers(unfolded: readonly string[], previous: readonly string[]): Promise<void> {
    const rows = previous.length > 0 ? customerRowsSource(previous) : noCustomerRows(this.db);
    await runStatement(
      this.ch.client,
      foldCustomersSql(this.db, revisionRowsSource(unfolded), rows),
      undefined,
      RAW_BATCH_SETTINGS,
    );
  }

  /** A SELECT's rows as JSON lines, exactly as the engine wrote them (64-bit integers unquoted). */
  private async textRows(query: string, params?: Record<string, unknown>): Promise<string[]> {
    const result = await this.ch.client.query({ query, format: 'JSONEachRow', query_params: params });
    const text = await result.text();
    return text.split('\n').filter((line) => line.length > 0);
  }

  protected async writeCheckpoint(position: bigint): Promise<void> {
    await this.ch.client.insert({
      table: `${this.db}.projection_checkpoints`,
      format: 'JSONEachRow',
      values: [{ projection_name: this.projection, position: position.toString() }],
    });
  }
}

/** The events of a batch the store holds (customers' and campaigns'), each once. */
function analyticsEvents(events: readonly RecordedEvent[]): RecordedEvent[] {
  const unique = new Map<string, RecordedEvent>();
  for (const event of events) {
    if (isAnalyticsStream(event.streamId) && !unique.has(event.eventId)) unique.set(event.eventId, event);
  }
  return [...unique.values()];
}

const highestPosition = (events: readonly RecordedEvent[]): bigint | undefined =>
  events.reduce<bigint | undefined>(
    (max, e) => (max === undefined || e.globalPosition > max ? e.globalPosition : max),
    undefined,
  );

/**
 * For the statements over the whole events table (a rebuild's derive): aggregation state past 512 MiB
 * spills to disk instead of growing with the population. The embedded engine runs inside the worker, so
 * this is the worker's memory: on 10M events / 1M customers the derive added ~1.1 GB to the process without
 * it, ~0.2 GB with it, for 20 s instead of 6 s (measured on synthetic rows; 128 MiB and one thread: 108 s).
 */
const WHOLE_TABLE_SETTINGS = { max_bytes_before_external_group_by: String(512 * 2 ** 20) } as const;

/** The customers of a batch (`ids`), and (daily rows) its purchase days (`days`, YYYY-MM-DD). */
const BY_IDS = 'customer_id IN {ids:Array(String)}';
const BY_IDS_AND_DAYS = `${BY_IDS} AND day IN {days:Array(Date)}`;

const scrubErasedSql = (db: string, where: string) => `
INSERT INTO ${db}.events
SELECT * REPLACE ('' AS city, now64(3) AS projected_at)
FROM ${db}.events FINAL
WHERE event_type = 'CustomerAcquired' AND ${where}`;

const scrubRevisionsSql = (db: string) => `
INSERT INTO ${db}.customer_revisions (${REVISION_COLUMNS.join(', ')}, scrubbed)
SELECT ${REVISION_COLUMNS.map((column) => (column === 'city' ? "'' AS city" : column)).join(', ')}, 1
FROM ${db}.customer_revisions
WHERE event_type = 'CustomerAcquired' AND ${BY_IDS}`;
