/**
 * The one definition of the derived rows (`customers`, `customer_daily`) as folds: a row is its previous
 * value plus the events it does not reflect yet. The live projector folds a batch's events into the rows its
 * customers already have; a rebuild's derive folds every stored event into no rows at all. Same SQL, so the
 * two cannot disagree (libs/analytics/README.md, "The live projector's cost per batch").
 *
 * A customers row carries the set of stream revisions it reflects (folded_through + folded_above) and each
 * daily row the revisions of the purchases it sums: an event is added only when its revision is outside the
 * set, so redelivery, replay and a crash between the writes count nothing twice.
 */

const ACQUIRED = "event_type = 'CustomerAcquired'";
const PURCHASED = "event_type = 'CustomerPurchased'";
const CHURNED = "event_type = 'CustomerChurned'";
export const ERASED_TYPE = 'CustomerPersonalDataErased';

const DATE_TIME = "DateTime64(3, \\'UTC\\')";

/** Columns and their types as `format(JSONEachRow, ...)` reads them (rows read back into a statement's text). */
type Column = readonly [name: string, type: string];
type Columns = readonly [Column, ...Column[]];
const names = ([first, ...rest]: Columns): readonly [string, ...string[]] => [
  first[0],
  ...rest.map(([name]) => name),
];
const structure = (columns: Columns): string => columns.map(([name, type]) => `${name} ${type}`).join(', ');

/** The columns of an event the derived rows read: customer_revisions' (and a subset of events'). */
const REVISION_TYPES: Columns = [
  ['customer_id', 'String'],
  ['stream_revision', 'UInt64'],
  ['event_type', 'String'],
  ['occurred_at', DATE_TIME],
  ['channel', 'String'],
  ['campaign', 'String'],
  ['referred_by', 'String'],
  ['country', 'String'],
  ['city', 'String'],
  ['birth_year', 'Nullable(UInt16)'],
  ['gender', 'String'],
  ['income_band', 'String'],
  ['attributes', 'Map(String, String)'],
  ['churn_reason', 'String'],
  ['currency', 'String'],
  ['amount_minor', 'Int64'],
  ['item_quantities', 'Array(UInt32)'],
];
export const REVISION_COLUMNS = names(REVISION_TYPES);
const REVISION_STRUCTURE = structure(REVISION_TYPES);

/** The customers columns a fold writes (all but updated_at, which is the write's time). */
const CUSTOMER_TYPES: Columns = [
  ['customer_id', 'String'],
  ['acquired_at', `Nullable(${DATE_TIME})`],
  ['acquisition_channel', 'String'],
  ['campaign', 'String'],
  ['referred_by', 'String'],
  ['country', 'String'],
  ['city', 'String'],
  ['birth_year', 'Nullable(UInt16)'],
  ['gender', 'String'],
  ['income_band', 'String'],
  ['attributes', 'Map(String, String)'],
  ['stage', 'String'],
  ['first_purchase_at', `Nullable(${DATE_TIME})`],
  ['last_purchase_at', `Nullable(${DATE_TIME})`],
  ['purchases', 'UInt32'],
  ['contacts', 'UInt32'],
  ['referrals_made', 'UInt32'],
  ['churn_count', 'UInt32'],
  ['reactivation_count', 'UInt32'],
  ['last_churned_at', `Nullable(${DATE_TIME})`],
  ['last_churn_reason', 'String'],
  ['last_event_at', DATE_TIME],
  ['stream_revision', 'UInt64'],
  ['version', 'UInt64'],
  ['erased', 'UInt8'],
  ['folded_through', 'Int64'],
  ['folded_above', 'Array(UInt64)'],
];
export const CUSTOMER_COLUMNS = names(CUSTOMER_TYPES);
const CUSTOMER_STRUCTURE = structure(CUSTOMER_TYPES);

/** Rows as JSON lines in the statement's text, under a tag the rows cannot contain. */
function jsonRows(structure: string, lines: readonly string[]): string {
  const body = lines.join('\n');
  let tag = 'rows';
  for (let n = 0; body.includes(`$${tag}$`); n += 1) tag = `rows${n}`;
  return `format(JSONEachRow, '${structure}', $${tag}$${body}$${tag}$)`;
}

/** Event rows (REVISION_COLUMNS) given as JSON lines, as a table expression. */
export const revisionRowsSource = (lines: readonly string[]): string => jsonRows(REVISION_STRUCTURE, lines);

/** Customers rows (CUSTOMER_COLUMNS) given as JSON lines, as a table expression. */
export const customerRowsSource = (lines: readonly string[]): string => jsonRows(CUSTOMER_STRUCTURE, lines);

/** No customers row: what a derive folds into. */
export const noCustomerRows = (db: string): string =>
  `(SELECT ${CUSTOMER_COLUMNS.join(', ')} FROM ${db}.customers WHERE 0)`;

/**
 * One partial row per customer from event rows, in the customers row's own terms (p_-prefixed, so that the
 * merge's output names never shadow its inputs). The set of revisions is all of the events' (-1 = none below).
 */
const partialFromEvents = (source: string) => `
SELECT
    customer_id,
    if(countIf(${ACQUIRED}) > 0, minIf(occurred_at, ${ACQUIRED}), NULL) AS p_acquired_at,
    argMinIf(channel, occurred_at, ${ACQUIRED}) AS p_acquisition_channel,
    argMinIf(campaign, occurred_at, ${ACQUIRED}) AS p_campaign,
    argMinIf(referred_by, occurred_at, ${ACQUIRED}) AS p_referred_by,
    argMinIf(country, occurred_at, ${ACQUIRED}) AS p_country,
    argMinIf(city, occurred_at, ${ACQUIRED}) AS p_city,
    argMinIf(birth_year, occurred_at, ${ACQUIRED}) AS p_birth_year,
    argMinIf(gender, occurred_at, ${ACQUIRED}) AS p_gender,
    argMinIf(income_band, occurred_at, ${ACQUIRED}) AS p_income_band,
    argMinIf(attributes, occurred_at, ${ACQUIRED}) AS p_attributes,
    if(countIf(${PURCHASED}) > 0, minIf(occurred_at, ${PURCHASED}), NULL) AS p_first_purchase_at,
    if(countIf(${PURCHASED}) > 0, maxIf(occurred_at, ${PURCHASED}), NULL) AS p_last_purchase_at,
    toUInt64(countIf(${PURCHASED})) AS p_purchases,
    toUInt64(countIf(event_type = 'CustomerContacted')) AS p_contacts,
    toUInt64(countIf(event_type = 'CustomerReferred')) AS p_referrals_made,
    toUInt64(countIf(${CHURNED})) AS p_churn_count,
    toUInt64(countIf(event_type = 'CustomerReactivated')) AS p_reactivation_count,
    if(countIf(${CHURNED}) > 0, maxIf(occurred_at, ${CHURNED}), NULL) AS p_last_churned_at,
    argMaxIf(churn_reason, occurred_at, ${CHURNED}) AS p_last_churn_reason,
    maxIf(occurred_at, event_type != '${ERASED_TYPE}') AS p_last_event_at,
    max(stream_revision) AS p_stream_revision,
    toUInt64(count()) AS p_version,
    toUInt8(countIf(event_type = '${ERASED_TYPE}') > 0) AS p_erased,
    toInt64(-1) AS p_folded_through,
    arraySort(groupArray(stream_revision)) AS p_folded_above
FROM ${source}
WHERE customer_id != ''
GROUP BY customer_id`;

/** A customers row as a partial (the identity: a row is the merge of the partials it was made of). */
const partialFromRows = (source: string) => `
SELECT customer_id, ${CUSTOMER_COLUMNS.filter((c) => c !== 'customer_id' && c !== 'stage')
  .map((c) => `${c} AS p_${c}`)
  .join(', ')}
FROM ${source}`;

/** Present when the customer has the event (the acquisition, a churn): the order of argMin/argMax. */
const when = (column: string) => `assumeNotNull(${column}), isNotNull(${column})`;

/**
 * The merge of partials into the customers row. Stage: churned while churns outnumber reactivations (they
 * alternate), else active once purchased. An erased customer has no city; the erasure itself (an
 * administrative act) is not the customer's last event. The revision set: the highest folded_through, then
 * the revisions above it, the contiguous ones joining folded_through and the rest staying in folded_above.
 */
const mergePartials = (partials: string) => `
SELECT
    customer_id,
    min(p_acquired_at) AS acquired_at,
    argMinIf(p_acquisition_channel, ${when('p_acquired_at')}) AS acquisition_channel,
    argMinIf(p_campaign, ${when('p_acquired_at')}) AS campaign,
    argMinIf(p_referred_by, ${when('p_acquired_at')}) AS referred_by,
    argMinIf(p_country, ${when('p_acquired_at')}) AS country,
    if(max(p_erased) = 1, '', argMinIf(p_city, ${when('p_acquired_at')})) AS city,
    argMinIf(p_birth_year, ${when('p_acquired_at')}) AS birth_year,
    argMinIf(p_gender, ${when('p_acquired_at')}) AS gender,
    argMinIf(p_income_band, ${when('p_acquired_at')}) AS income_band,
    argMinIf(p_attributes, ${when('p_acquired_at')}) AS attributes,
    multiIf(
        sum(p_churn_count) > sum(p_reactivation_count), 'churned',
        sum(p_purchases) > 0, 'active',
        'acquired'
    ) AS stage,
    min(p_first_purchase_at) AS first_purchase_at,
    max(p_last_purchase_at) AS last_purchase_at,
    toUInt32(sum(p_purchases)) AS purchases,
    toUInt32(sum(p_contacts)) AS contacts,
    toUInt32(sum(p_referrals_made)) AS referrals_made,
    toUInt32(sum(p_churn_count)) AS churn_count,
    toUInt32(sum(p_reactivation_count)) AS reactivation_count,
    max(p_last_churned_at) AS last_churned_at,
    argMaxIf(p_last_churn_reason, ${when('p_last_churned_at')}) AS last_churn_reason,
    max(p_last_event_at) AS last_event_at,
    max(p_stream_revision) AS stream_revision,
    toUInt64(sum(p_version)) AS version,
    max(p_erased) AS erased,
    max(p_folded_through) AS base,
    arraySort(arrayDistinct(arrayFilter(r -> toInt64(r) > base, arrayFlatten(groupArray(p_folded_above))))) AS pending,
    arrayFirstIndex((r, i) -> toInt64(r) != base + i, pending, arrayEnumerate(pending)) AS gap,
    if(gap = 0, toInt64(length(pending)), toInt64(gap) - 1) AS joined,
    base + joined AS folded_through,
    arraySlice(pending, joined + 1) AS folded_above
FROM (${partials})
GROUP BY customer_id`;

/**
 * INSERT of the customers rows that fold `events` (a relation of REVISION_COLUMNS rows, none of them in the
 * set of its customer's row) into `previous` (customers rows, CUSTOMER_COLUMNS).
 */
export function foldCustomersSql(db: string, events: string, previous: string): string {
  const columns = CUSTOMER_COLUMNS.join(', ');
  return `INSERT INTO ${db}.customers (${columns})
SELECT ${columns} FROM (${mergePartials(
    `${partialFromRows(previous)}\nUNION ALL\n${partialFromEvents(events)}`,
  )})`;
}

/**
 * INSERT of the daily rows that fold the purchases of `events` (REVISION_COLUMNS rows, or `events` rows,
 * one copy of each) into the stored rows of their (customer, currency, day). A purchase whose revision the stored row already
 * sums is not added again; a key without a new purchase is not rewritten. The stored rows are read once
 * (the join's right side), so the row written is exactly the stored one plus the new purchases, whatever a
 * concurrent writer does meanwhile. Version = orders, which only grows. `scope` narrows the stored rows read
 * (the batch's customers and days; '1' for a derive into an empty table).
 */
export function foldDailySql(db: string, events: string, scope: string): string {
  return `INSERT INTO ${db}.customer_daily
    (customer_id, currency, day, orders, amount_minor, items, first_at, last_at, version, revisions)
SELECT
    customer_id, currency, day,
    toUInt32(any(s_orders) + count()) AS orders,
    any(s_amount) + sum(e_amount) AS amount_minor,
    toUInt32(any(s_items) + sum(arraySum(item_quantities))) AS items,
    if(any(s_found), least(any(s_first), min(occurred_at)), min(occurred_at)) AS first_at,
    if(any(s_found), greatest(any(s_last), max(occurred_at)), max(occurred_at)) AS last_at,
    toUInt64(orders) AS version,
    arraySort(arrayConcat(any(s_revisions), groupArray(stream_revision))) AS revisions
FROM (
    SELECT e.customer_id AS customer_id, e.currency AS currency, e.day AS day, e.stream_revision AS stream_revision,
           e.amount_minor AS e_amount, e.item_quantities AS item_quantities, e.occurred_at AS occurred_at,
           s.found AS s_found, s.orders AS s_orders, s.amount_minor AS s_amount, s.items AS s_items,
           s.first_at AS s_first, s.last_at AS s_last, s.revisions AS s_revisions
    FROM (
        SELECT customer_id, currency, toDate(occurred_at) AS day, stream_revision, amount_minor, item_quantities, occurred_at
        FROM ${events}
        WHERE ${PURCHASED}
    ) AS e
    LEFT JOIN (
        SELECT customer_id, currency, day, toUInt8(1) AS found, orders, amount_minor, items, first_at, last_at, revisions
        FROM ${db}.customer_daily FINAL
        WHERE ${scope}
    ) AS s ON e.customer_id = s.customer_id AND e.currency = s.currency AND e.day = s.day
    WHERE NOT has(s.revisions, e.stream_revision)
)
GROUP BY customer_id, currency, day`;
}

/** SELECT of the stored customers rows of `{ids:Array(String)}`, as folds read them. */
export const previousCustomersSql = (db: string): string =>
  `SELECT ${CUSTOMER_COLUMNS.join(', ')} FROM ${db}.customers FINAL WHERE customer_id IN {ids:Array(String)}`;

/** A string literal of ClickHouse SQL. */
const literal = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** What a customers row reflects: revisions up to `through`, and `above`. */
export interface FoldedRevisions {
  readonly through: number;
  readonly above: readonly number[];
}

/**
 * SELECT of the stored event rows of each customer whose revisions its row does not reflect: one key range
 * per customer (so the read covers the revisions past the row, not the customer's history), one copy each.
 */
export function unfoldedRevisionsSql(db: string, customers: ReadonlyMap<string, FoldedRevisions>): string {
  const ranges = [...customers].map(([id, { through, above }]) => {
    const parts = [`customer_id = ${literal(id)}`];
    if (through >= 0) parts.push(`stream_revision > ${through}`);
    if (above.length > 0) parts.push(`stream_revision NOT IN (${above.join(', ')})`);
    return `(${parts.join(' AND ')})`;
  });
  return `SELECT ${REVISION_COLUMNS.join(', ')}
FROM ${db}.customer_revisions
WHERE ${ranges.join('\n   OR ')}
ORDER BY customer_id, stream_revision, scrubbed DESC
LIMIT 1 BY customer_id, stream_revision`;
}
