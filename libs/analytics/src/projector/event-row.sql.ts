import {
  CAMPAIGN_STREAM_PREFIX,
  CUSTOMER_SCHEMA_VERSIONS,
  CUSTOMER_STREAM_PREFIX,
  MARKETING_SCHEMA_VERSIONS,
} from '@crm/domain';

/**
 * The event -> `events` row mapping, written once, in SQL: the live projector runs it over a batch sent as
 * raw events (`FROM input(...)`), the rebuild over the embedded store's own rows (`FROM sqlite(...)`), so
 * both write the same row for the same event by construction.
 *
 * The source relation has the event store's columns (RAW_EVENT_STRUCTURE): `data` and `metadata` are the
 * JSON text the store keeps, and `personal` the JSON object of personal fields opened from the event's
 * sealed data ('{}' when there are none, or when they were already put back into `data.profile`).
 *
 * Types this code does not know keep the common columns only (a newer publisher must not stop the
 * projection). No name, e-mail or phone is copied: analysts get country, city, birth year, gender and
 * income band.
 *
 * To add a column: `ALTER TABLE {{database}}.events ADD COLUMN IF NOT EXISTS ...` in a new numbered file of
 * infra/clickhouse, and one entry in EVENT_ROW_COLUMNS below (type-specific columns are wrapped in
 * `forTypes`, so other types get the column's default).
 */

/** The columns of a raw event as the store keeps it (and as the live projector sends a batch). */
export const RAW_EVENT_STRUCTURE =
  'global_position UInt64, stream_id String, stream_revision UInt64, event_id String, type String, ' +
  'occurred_at String, recorded_at String, data String, metadata String, personal String';

const quoted = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

/**
 * `data` parsed once per event into the fields any type reads (a field of another JSON type than the one
 * named here reads as its JSON text, or 0: the publish contract has already checked the types; only the
 * integers the store could not hold are checked strictly, in REJECTION). Items that are not objects read as
 * empty ones; a quantity that is absent as NULL (1 below), a unit price as 0.
 */
const DATA_FIELDS = [
  'channel String, campaign String, orderId String, referredBy String, referredCustomerId String',
  'referralCode String, reason String, voluntary Nullable(Bool), direction String, purpose String',
  'outcome String, agentId String, triggeredBy String, amount Tuple(minor Int64, currency String)',
  'profile Tuple(country String, city String, birthYear Nullable(UInt16), gender String, incomeBand String)',
  'items Array(Tuple(sku String, category String, quantity Nullable(Int64), unitPrice Tuple(minor Int64)))',
  'attributes Map(String, String)',
  // Issue 13's facts. A money absent reads as minor NULL (a contact without its own cost).
  'metric String, score Nullable(Int64), surveyId String, contactEventId String, complaintId String',
  'category String, severity String, resolution String, accepted Nullable(Bool)',
  'compensation Tuple(minor Int64, currency String), cost Tuple(minor Nullable(Int64), currency String)',
  'consents Array(Tuple(channel String, purpose String)), preferredChannel String, language String',
  'contactFrequency String, categories Array(String), periodStart String, periodEnd String',
].join(', ');
const METADATA_FIELDS = 'source String, correlationId String, schemaVersion Nullable(UInt16)';

/** A field of the parsed data (`d`) or metadata (`m`): `field('d', 'amount', 'minor')`. */
const field = (tuple: 'd' | 'm', ...path: string[]) =>
  path.reduce((expression, name) => `tupleElement(${expression}, '${name}')`, `r.${tuple}`);
const d = (...path: string[]) => field('d', ...path);

/** The expression for the listed event types, the column's empty value for the others. */
const forTypes = (types: readonly string[], expression: string, empty: string) =>
  `if(r.type IN (${quoted(types)}), ${expression}, ${empty})`;

const ACQUIRED = ['CustomerAcquired'];
const CONTACTED = ['CustomerContacted'];
const PURCHASED = ['CustomerPurchased'];
const REFERRED = ['CustomerReferred'];
const CHURNED = ['CustomerChurned'];
const REACTIVATED = ['CustomerReactivated'];
const FEEDBACK = ['CustomerFeedbackGiven'];
const COMPLAINT_OPENED = ['CustomerComplaintOpened'];
const COMPLAINT_RESOLVED = ['CustomerComplaintResolved'];
const CONSENT = ['CustomerConsentGranted', 'CustomerConsentWithdrawn'];
const PREFERENCES = ['CustomerPreferencesSet'];
const SPEND = ['MarketingSpendRecorded'];

/** A JSON number that JavaScript reads as a safe integer (what the publish contract calls an integer). */
const SAFE_INTEGER = (json: string, ...path: string[]) => {
  const at = [json, ...path.map((p) => `'${p}'`)].join(', ');
  return `(JSONType(${at}) = 'Int64' AND abs(JSONExtractInt(${at})) <= 9007199254740991)`;
};

/**
 * A purchase's data, for the strict checks ('{}' for other types, which then cost nothing: the mapping runs
 * without short-circuit evaluation, see MAPPING_SETTINGS).
 */
const PURCHASE = `if(r.type = 'CustomerPurchased', r.data, '{}')`;
/** Line items as raw JSON, for the strict checks only (purchases). */
const RAW_ITEMS = `JSONExtractArrayRaw(${PURCHASE}, 'items')`;
const validItemQuantity = `(NOT JSONHas(i, 'quantity') OR ${SAFE_INTEGER('i', 'quantity')})`;
const validItemUnit = `(NOT JSONHas(i, 'unitPrice', 'minor') OR ${SAFE_INTEGER('i', 'unitPrice', 'minor')})`;

/** The data of issue 13's facts that carry a score or money, for their strict checks ('{}' for the rest). */
const FACT = `if(r.type IN (${quoted([...FEEDBACK, ...CONTACTED, ...COMPLAINT_RESOLVED, ...SPEND])}), r.data, '{}')`;
/** Money at `name` of the data: absent (or null) is none; present, its minor units must be an integer. */
const badMoney = (name: string) =>
  `(JSONType(${FACT}, '${name}') != 'Null' AND NOT ${SAFE_INTEGER(FACT, name, 'minor')})`;
const notDay = (name: string) => `NOT match(${d(name)}, '^[0-9]{4}-[0-9]{2}-[0-9]{2}$')`;

const OCCURRED_AT = `parseDateTime64BestEffortOrNull(r.occurred_at, 3, 'UTC')`;
const RECORDED_AT = `parseDateTime64BestEffortOrNull(r.recorded_at, 3, 'UTC')`;

/** `events` column -> its expression over the raw event, in the table's column order. */
export const EVENT_ROW_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ['event_id', 'r.event_id'],
  ['event_type', 'r.type'],
  [
    'customer_id',
    // A campaign stream (marketing spend) holds no customer.
    `multiIf(startsWith(r.stream_id, '${CUSTOMER_STREAM_PREFIX}'), substring(r.stream_id, ${CUSTOMER_STREAM_PREFIX.length + 1}),
      startsWith(r.stream_id, '${CAMPAIGN_STREAM_PREFIX}'), '', r.stream_id)`,
  ],
  ['stream_revision', 'r.stream_revision'],
  ['global_position', 'r.global_position'],
  ['occurred_at', `assumeNotNull(${OCCURRED_AT})`],
  ['recorded_at', `assumeNotNull(${RECORDED_AT})`],
  ['source', field('m', 'source')],
  ['correlation_id', field('m', 'correlationId')],
  ['schema_version', `ifNull(${field('m', 'schemaVersion')}, 1)`],
  [
    'channel',
    forTypes(
      [
        ...ACQUIRED,
        ...CONTACTED,
        ...PURCHASED,
        ...REFERRED,
        ...FEEDBACK,
        ...COMPLAINT_OPENED,
        ...CONSENT,
        ...SPEND,
      ],
      d('channel'),
      forTypes(PREFERENCES, d('preferredChannel'), `''`),
    ),
  ],
  ['campaign', forTypes([...ACQUIRED, ...CONTACTED, ...SPEND], d('campaign'), `''`)],
  ['order_id', forTypes([...PURCHASED, ...FEEDBACK, ...COMPLAINT_OPENED], d('orderId'), `''`)],
  ['amount_minor', forTypes(PURCHASED, d('amount', 'minor'), '0')],
  [
    'currency',
    // An event carries at most one amount; the row's currency is that amount's.
    forTypes(
      [...PURCHASED, ...SPEND],
      d('amount', 'currency'),
      forTypes(
        CONTACTED,
        d('cost', 'currency'),
        forTypes(COMPLAINT_RESOLVED, d('compensation', 'currency'), `''`),
      ),
    ),
  ],
  ['item_skus', forTypes(PURCHASED, `arrayMap(i -> i.sku, ${d('items')})`, '[]')],
  ['item_categories', forTypes(PURCHASED, `arrayMap(i -> i.category, ${d('items')})`, '[]')],
  [
    'item_quantities',
    forTypes(PURCHASED, `arrayMap(i -> toUInt32(ifNull(i.quantity, 1)), ${d('items')})`, '[]'),
  ],
  ['item_unit_minor', forTypes(PURCHASED, `arrayMap(i -> i.unitPrice.minor, ${d('items')})`, '[]')],
  ['referred_by', forTypes(ACQUIRED, d('referredBy'), `''`)],
  ['referred_customer_id', forTypes(REFERRED, d('referredCustomerId'), `''`)],
  ['referral_code', forTypes(REFERRED, d('referralCode'), `''`)],
  ['churn_reason', forTypes(CHURNED, d('reason'), `''`)],
  ['churn_voluntary', forTypes(CHURNED, d('voluntary'), 'NULL')],
  ['contact_direction', forTypes(CONTACTED, d('direction'), `''`)],
  ['contact_purpose', forTypes(CONTACTED, d('purpose'), `''`)],
  ['contact_outcome', forTypes(CONTACTED, d('outcome'), `''`)],
  ['agent_id', forTypes(CONTACTED, d('agentId'), `''`)],
  ['country', forTypes(ACQUIRED, d('profile', 'country'), `''`)],
  [
    'city',
    forTypes(
      ACQUIRED,
      `if(r.personal != '{}' AND JSONHas(r.personal, 'city'), JSONExtractString(r.personal, 'city'), ${d('profile', 'city')})`,
      `''`,
    ),
  ],
  ['birth_year', forTypes(ACQUIRED, d('profile', 'birthYear'), 'NULL')],
  ['gender', forTypes(ACQUIRED, d('profile', 'gender'), `''`)],
  ['income_band', forTypes(ACQUIRED, d('profile', 'incomeBand'), `''`)],
  ['attributes', forTypes(ACQUIRED, d('attributes'), `map()`)],
  ['triggered_by', forTypes(REACTIVATED, d('triggeredBy'), `''`)],
  // Issue 13's facts (infra/clickhouse/0020_customer_facts.sql). Free-text comments are never copied.
  ['feedback_metric', forTypes(FEEDBACK, d('metric'), `''`)],
  ['feedback_score', forTypes(FEEDBACK, `toNullable(toUInt8(ifNull(${d('score')}, 0)))`, 'NULL')],
  ['survey_id', forTypes(FEEDBACK, d('surveyId'), `''`)],
  ['contact_event_id', forTypes(FEEDBACK, d('contactEventId'), `''`)],
  ['complaint_id', forTypes([...COMPLAINT_OPENED, ...COMPLAINT_RESOLVED], d('complaintId'), `''`)],
  ['complaint_category', forTypes(COMPLAINT_OPENED, d('category'), `''`)],
  ['complaint_severity', forTypes(COMPLAINT_OPENED, d('severity'), `''`)],
  ['complaint_resolution', forTypes(COMPLAINT_RESOLVED, d('resolution'), `''`)],
  ['compensation_minor', forTypes(COMPLAINT_RESOLVED, d('compensation', 'minor'), '0')],
  ['complaint_accepted', forTypes(COMPLAINT_RESOLVED, d('accepted'), 'NULL')],
  ['consent_purpose', forTypes(CONSENT, d('purpose'), `''`)],
  [
    'consents',
    forTypes(ACQUIRED, `arrayMap(c -> concat(c.channel, ':', c.purpose), ${d('consents')})`, '[]'),
  ],
  ['preferred_language', forTypes(PREFERENCES, d('language'), `''`)],
  ['contact_frequency', forTypes(PREFERENCES, d('contactFrequency'), `''`)],
  ['preferred_categories', forTypes(PREFERENCES, `arrayFilter(c -> c != '', ${d('categories')})`, '[]')],
  ['contact_cost_minor', forTypes(CONTACTED, d('cost', 'minor'), 'NULL')],
  ['period_start', forTypes(SPEND, `toDateOrNull(${d('periodStart')})`, 'NULL')],
  ['period_end', forTypes(SPEND, `toDateOrNull(${d('periodEnd')})`, 'NULL')],
  ['spend_minor', forTypes(SPEND, d('amount', 'minor'), '0')],
];

/**
 * Why an event cannot be stored ('' when it can): the live consumer dead-letters such an event, a rebuild
 * leaves it out and reports it. The text is MalformedAnalyticsEventError's reason.
 */
export const REJECTION = `multiIf(
    r.personal != '{}' AND NOT isValidJSON(r.personal), 'its sealed personal data cannot be opened',
    ${OCCURRED_AT} IS NULL, concat('occurredAt is not a date-time: ', r.occurred_at),
    ${RECORDED_AT} IS NULL, concat('recordedAt is not a date-time: ', r.recorded_at),
    r.type = 'CustomerFeedbackGiven' AND NOT (${SAFE_INTEGER(FACT, 'score')} AND JSONExtractInt(${FACT}, 'score') BETWEEN 0 AND 255),
      'data.score must be an integer from 0 to 255',
    r.type = 'CustomerContacted' AND ${badMoney('cost')}, 'data.cost.minor must be an integer',
    r.type = 'CustomerComplaintResolved' AND ${badMoney('compensation')}, 'data.compensation.minor must be an integer',
    r.type = 'MarketingSpendRecorded' AND ${notDay('periodStart')}, 'data.periodStart must be a day YYYY-MM-DD',
    r.type = 'MarketingSpendRecorded' AND ${notDay('periodEnd')}, 'data.periodEnd must be a day YYYY-MM-DD',
    r.type = 'MarketingSpendRecorded' AND ${badMoney('amount')}, 'data.amount.minor must be an integer',
    r.type != 'CustomerPurchased', '',
    NOT ${SAFE_INTEGER(PURCHASE, 'amount', 'minor')}, 'data.amount.minor must be an integer',
    NOT arrayAll(i -> ${validItemQuantity}, ${RAW_ITEMS}),
      concat('data.items[', toString(arrayFirstIndex(i -> NOT ${validItemQuantity}, ${RAW_ITEMS}) - 1), '].quantity must be an integer'),
    NOT arrayAll(i -> ${validItemUnit}, ${RAW_ITEMS}),
      concat('data.items[', toString(arrayFirstIndex(i -> NOT ${validItemUnit}, ${RAW_ITEMS}) - 1), '].unitPrice.minor must be an integer'),
    '')`;

/**
 * Settings of every statement that runs the mapping. Without short-circuit evaluation the parsed `data`
 * tuple is computed once per block and shared by every column; with it, each `if(type IN ...)` evaluates its
 * branch lazily and the parse is repeated per column (measured: 3x the CPU of the whole statement).
 */
export const MAPPING_SETTINGS = { short_circuit_function_evaluation: 'disable' } as const;

/** The `events` columns the mapping fills, for the INSERT's column list. */
export const EVENT_ROW_COLUMN_NAMES = EVENT_ROW_COLUMNS.map(([name]) => name).join(', ');

/**
 * `SELECT <the mapping>, <rejection> AS rejection FROM <source>`: `source` is a table expression with the
 * raw event columns (a table function, or a subquery).
 */
export function eventRowsSelect(source: string): string {
  const columns = EVENT_ROW_COLUMNS.map(([name, expression]) => `${expression} AS ${name}`).join(',\n    ');
  const parsed = `SELECT *, JSONExtract(data, 'Tuple(${DATA_FIELDS})') AS d, JSONExtract(metadata, 'Tuple(${METADATA_FIELDS})') AS m`;
  return `SELECT\n    ${columns},\n    ${REJECTION} AS rejection\nFROM (${parsed} FROM ${source}) AS r`;
}

/**
 * `INSERT INTO <db>.events SELECT <the mapping> FROM <source>` for the events that can be stored; the
 * others are the rejected ones (eventRowsSelect ... WHERE rejection != '').
 */
export function insertEventRowsSql(db: string, source: string): string {
  return `INSERT INTO ${db}.events (${EVENT_ROW_COLUMN_NAMES})
SELECT ${EVENT_ROW_COLUMN_NAMES} FROM (${eventRowsSelect(source)}) WHERE rejection = ''`;
}

/**
 * Events the SQL mapping cannot take as they are stored: recorded in an older schema version than their
 * type's current one (or in none the code knows). Upcasting is JavaScript (libs/event-store/src/upcasting),
 * so a rebuild reads these through the store, which upcasts them, and sends them like live events.
 */
export const NEEDS_UPCASTING = (() => {
  const versions = Object.entries({ ...CUSTOMER_SCHEMA_VERSIONS, ...MARKETING_SCHEMA_VERSIONS });
  const current = `transform(type, [${quoted(versions.map(([type]) => type))}], [${quoted(versions.map(([, v]) => String(v)))}], '')`;
  const recorded = `if(position(metadata, '"schemaVersion"') > 0, JSONExtractRaw(metadata, 'schemaVersion'), '1')`;
  return `(${current} != '' AND ${recorded} != ${current})`;
})();
