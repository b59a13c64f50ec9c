import { customerIdFromStream, isCampaignStream } from '@crm/domain';
import type { RecordedEvent } from '@crm/event-store';
import { isAnalyticsStream } from './analytics-streams';
import type { AnalyticsClient } from '../clickhouse/analytics-client.factory';
import { runStatement, selectRows } from '../clickhouse/clickhouse-statements';
import { eventRowsSelect, insertEventRowsSql } from './event-row.sql';
import { MalformedAnalyticsEventError } from './malformed-event.error';
import { RAW_BATCH_SETTINGS, rawEventsSource } from './raw-event.batch';

/** Checkpoint name of the analytics projection (projection_checkpoints.projection_name). */
export const ANALYTICS_PROJECTION = 'analytics';

export interface AnalyticsApplyResult {
  /** Customer events written (after dropping duplicates within the batch). */
  readonly events: number;
  /** Customers whose dimension and daily rows were rewritten. */
  readonly customers: number;
  /** Highest global position of the batch, now recorded as the checkpoint. */
  readonly position?: bigint;
  /** Events left out because the store cannot hold them (with `leaveOut`). */
  readonly rejected: readonly MalformedAnalyticsEventError[];
}

/** Rows per INSERT and ids per re-aggregation (query parameters travel in the URL over HTTP). */
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
 * 2. customers and customer_daily: for the customers (and customer-days) of the batch, re-aggregated with
 *    INSERT ... SELECT from events FINAL. A row is a function of the stored events only; replaying or
 *    redelivering rewrites the same row, and ReplacingMergeTree(version = events reflected) keeps the newest.
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
    const rejected = batch.length > 0 ? await this.rejections(batch) : [];
    if (rejected.length > 0 && !options.leaveOut) throw rejected[0];
    if (batch.length > 0) {
      await this.insertEvents(batch);
      await this.scrubErased(batch);
      await this.refreshCustomers(customers);
      // The purchase days of the events written only: a left-out one may have no date-time at all.
      const left = new Set(rejected.map((error) => error.eventId));
      await this.refreshDaily(left.size > 0 ? batch.filter((e) => !left.has(e.eventId)) : batch);
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
    if (batch.length === 0) return [];
    const result = await this.ch.client.query({
      query: `SELECT event_id, rejection FROM (${eventRowsSelect(rawEventsSource(batch))}) WHERE rejection != ''`,
      format: 'JSONEachRow',
      clickhouse_settings: RAW_BATCH_SETTINGS,
    });
    const rows = await result.json<{ event_id: string; rejection: string }>();
    const reasons = new Map(rows.map((row) => [row.event_id, row.rejection]));
    return batch
      .filter((event) => reasons.has(event.eventId))
      .map((event) => new MalformedAnalyticsEventError(event.eventId, reasons.get(event.eventId) as string));
  }

  /**
   * Bulk mode, for a rebuild into an empty store: the event rows only, no derived rows and no checkpoint;
   * `deriveAll` computes the derived rows once at the end, in one pass over the events instead of one
   * re-aggregation per batch. Events the store cannot hold are left out (the caller reports them). No
   * scrubbing either: the store yields an erased customer's events without personal data (and `deriveAll`
   * scrubs any read before the erasure).
   */
  async insertEventRows(events: readonly RecordedEvent[]): Promise<void> {
    const batch = analyticsEvents(events);
    if (batch.length > 0) await this.insertEvents(batch);
  }

  /**
   * Rewrites every customer's dimension row and every purchase-day row from all stored events, and scrubs
   * every erased customer (one erased while a rebuild ran may have been read before its key was destroyed).
   */
  async deriveAll(): Promise<void> {
    await runStatement(
      this.ch.client,
      scrubErasedSql(
        this.db,
        `customer_id IN (SELECT customer_id FROM ${this.db}.events WHERE event_type = '${ERASED_TYPE}')`,
      ),
    );
    await runStatement(this.ch.client, refreshCustomersSql(this.db, '1'), undefined, WHOLE_TABLE_SETTINGS);
    await runStatement(this.ch.client, refreshDailySql(this.db, '1'), undefined, WHOLE_TABLE_SETTINGS);
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
   * REPLACE alias would shadow the column in WHERE; rewriting an already scrubbed row is harmless.)
   */
  protected async scrubErased(events: readonly RecordedEvent[]): Promise<void> {
    const erased = [
      ...new Set(events.filter((e) => e.type === ERASED_TYPE).map((e) => customerIdFromStream(e.streamId))),
    ];
    for (const ids of chunks(erased, ID_CHUNK)) {
      await runStatement(this.ch.client, scrubErasedSql(this.db, BY_IDS), { ids });
    }
  }

  /** Rewrites the dimension row of each customer from all its stored events. */
  protected async refreshCustomers(customerIds: readonly string[]): Promise<void> {
    for (const ids of chunks(customerIds, ID_CHUNK)) {
      await runStatement(this.ch.client, refreshCustomersSql(this.db, BY_IDS), { ids });
    }
  }

  /** Rewrites the purchase-day rows touched by the batch's purchases. */
  protected async refreshDaily(events: readonly RecordedEvent[]): Promise<void> {
    const keys = new Map<string, string>();
    for (const event of events) {
      if (event.type !== 'CustomerPurchased') continue;
      const customerId = customerIdFromStream(event.streamId);
      keys.set(`${customerId}|${utcDay(event.occurredAt)}`, customerId);
    }
    for (const chunk of chunks([...keys.entries()], ID_CHUNK)) {
      await runStatement(this.ch.client, refreshDailySql(this.db, `${BY_IDS} AND ${BY_DAY_KEYS}`), {
        ids: [...new Set(chunk.map(([, id]) => id))],
        keys: chunk.map(([key]) => key),
      });
    }
  }

  protected async writeCheckpoint(position: bigint): Promise<void> {
    await this.ch.client.insert({
      table: `${this.db}.projection_checkpoints`,
      format: 'JSONEachRow',
      values: [{ projection_name: this.projection, position: position.toString() }],
    });
  }
}

const ERASED_TYPE = 'CustomerPersonalDataErased';

/** The events of a batch the store holds (customers' and campaigns'), each once. */
function analyticsEvents(events: readonly RecordedEvent[]): RecordedEvent[] {
  const unique = new Map<string, RecordedEvent>();
  for (const event of events) {
    if (isAnalyticsStream(event.streamId) && !unique.has(event.eventId)) unique.set(event.eventId, event);
  }
  return [...unique.values()];
}

/** The UTC day of a (valid: checked before) date-time, as the mapping's toDate(occurred_at) gives it. */
const utcDay = (dateTime: string): string => new Date(dateTime).toISOString().slice(0, 10);

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

/** The customers of a batch (`ids`), and (daily rows) its purchase days (`keys` = 'customer|YYYY-MM-DD'). */
const BY_IDS = 'customer_id IN {ids:Array(String)}';
const BY_DAY_KEYS = "concat(customer_id, '|', toString(toDate(occurred_at))) IN {keys:Array(String)}";

const scrubErasedSql = (db: string, where: string) => `
INSERT INTO ${db}.events
SELECT * REPLACE ('' AS city, now64(3) AS projected_at)
FROM ${db}.events FINAL
WHERE event_type = 'CustomerAcquired' AND ${where}`;

/**
 * Stage: churned while churns outnumber reactivations (they alternate), else active once purchased. An erased
 * customer has no city; the erasure itself (an administrative act) is not the customer's last event.
 */
const refreshCustomersSql = (db: string, where: string) => `
INSERT INTO ${db}.customers
SELECT
    customer_id,
    if(countIf(event_type = 'CustomerAcquired') > 0, minIf(occurred_at, event_type = 'CustomerAcquired'), NULL) AS acquired_at,
    argMinIf(channel, occurred_at, event_type = 'CustomerAcquired') AS acquisition_channel,
    argMinIf(campaign, occurred_at, event_type = 'CustomerAcquired') AS campaign,
    argMinIf(referred_by, occurred_at, event_type = 'CustomerAcquired') AS referred_by,
    argMinIf(country, occurred_at, event_type = 'CustomerAcquired') AS country,
    if(countIf(event_type = '${ERASED_TYPE}') > 0, '', argMinIf(city, occurred_at, event_type = 'CustomerAcquired')) AS city,
    argMinIf(birth_year, occurred_at, event_type = 'CustomerAcquired') AS birth_year,
    argMinIf(gender, occurred_at, event_type = 'CustomerAcquired') AS gender,
    argMinIf(income_band, occurred_at, event_type = 'CustomerAcquired') AS income_band,
    argMinIf(attributes, occurred_at, event_type = 'CustomerAcquired') AS attributes,
    multiIf(
        countIf(event_type = 'CustomerChurned') > countIf(event_type = 'CustomerReactivated'), 'churned',
        countIf(event_type = 'CustomerPurchased') > 0, 'active',
        'acquired'
    ) AS stage,
    if(countIf(event_type = 'CustomerPurchased') > 0, minIf(occurred_at, event_type = 'CustomerPurchased'), NULL) AS first_purchase_at,
    if(countIf(event_type = 'CustomerPurchased') > 0, maxIf(occurred_at, event_type = 'CustomerPurchased'), NULL) AS last_purchase_at,
    toUInt32(countIf(event_type = 'CustomerPurchased')) AS purchases,
    toUInt32(countIf(event_type = 'CustomerContacted')) AS contacts,
    toUInt32(countIf(event_type = 'CustomerReferred')) AS referrals_made,
    toUInt32(countIf(event_type = 'CustomerChurned')) AS churn_count,
    toUInt32(countIf(event_type = 'CustomerReactivated')) AS reactivation_count,
    if(countIf(event_type = 'CustomerChurned') > 0, maxIf(occurred_at, event_type = 'CustomerChurned'), NULL) AS last_churned_at,
    argMaxIf(churn_reason, occurred_at, event_type = 'CustomerChurned') AS last_churn_reason,
    maxIf(occurred_at, event_type != '${ERASED_TYPE}') AS last_event_at,
    max(stream_revision) AS stream_revision,
    toUInt64(count()) AS version,
    now64(3) AS updated_at
FROM ${db}.events FINAL
WHERE customer_id != '' AND ${where}
GROUP BY customer_id`;

/** `where` narrows to the batch's purchase days; its ids part narrows the scan through the sorting key. */
const refreshDailySql = (db: string, where: string) => `
INSERT INTO ${db}.customer_daily
SELECT
    customer_id,
    currency,
    toDate(occurred_at) AS day,
    toUInt32(count()) AS orders,
    sum(amount_minor) AS amount_minor,
    toUInt32(sum(arraySum(item_quantities))) AS items,
    min(occurred_at) AS first_at,
    max(occurred_at) AS last_at,
    toUInt64(count()) AS version
FROM ${db}.events FINAL
WHERE event_type = 'CustomerPurchased' AND ${where}
GROUP BY customer_id, currency, day`;
