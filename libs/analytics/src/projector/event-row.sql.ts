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

const str = (...path: string[]) => `JSONExtractString(r.data, ${path.map((p) => `'${p}'`).join(', ')})`;
const quoted = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

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

/** Line items: the raw JSON of each (a non-object item reads as an empty one, like `{}`). */
const ITEMS = `JSONExtractArrayRaw(r.data, 'items')`;
const itemQuantity = `if(JSONHas(i, 'quantity'), JSONExtractInt(i, 'quantity'), 1)`;
const itemUnitMinor = `if(JSONHas(i, 'unitPrice', 'minor'), JSONExtractInt(i, 'unitPrice', 'minor'), 0)`;
const validItemQuantity = `(NOT JSONHas(i, 'quantity') OR ${SAFE_INTEGER('i', 'quantity')})`;
const validItemUnit = `(NOT JSONHas(i, 'unitPrice', 'minor') OR ${SAFE_INTEGER('i', 'unitPrice', 'minor')})`;

const OCCURRED_AT = `parseDateTime64BestEffortOrNull(r.occurred_at, 3, 'UTC')`;
const RECORDED_AT = `parseDateTime64BestEffortOrNull(r.recorded_at, 3, 'UTC')`;

/** Free attributes as strings: string values unquoted, numbers and booleans as JSON writes them. */
const ATTRIBUTES = `CAST(arrayMap(kv -> (kv.1, if(startsWith(kv.2, '"'), JSONExtractString(kv.2), kv.2)),
      JSONExtractKeysAndValuesRaw(r.data, 'attributes')), 'Map(String, String)')`;

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
  ['source', `JSONExtractString(r.metadata, 'source')`],
  ['correlation_id', `JSONExtractString(r.metadata, 'correlationId')`],
  [
    'schema_version',
    `if(JSONType(r.metadata, 'schemaVersion') IN ('Int64', 'UInt64'), toUInt16(JSONExtractUInt(r.metadata, 'schemaVersion')), 1)`,
  ],
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
      str('channel'),
      forTypes(PREFERENCES, str('preferredChannel'), `''`),
    ),
  ],
  ['campaign', forTypes([...ACQUIRED, ...CONTACTED, ...SPEND], str('campaign'), `''`)],
  ['order_id', forTypes([...PURCHASED, ...FEEDBACK, ...COMPLAINT_OPENED], str('orderId'), `''`)],
  ['amount_minor', forTypes(PURCHASED, `JSONExtractInt(r.data, 'amount', 'minor')`, '0')],
  [
    'currency',
    // An event carries at most one amount; the row's currency is that amount's.
    `multiIf(r.type IN (${quoted([...PURCHASED, ...SPEND])}), ${str('amount', 'currency')},
      r.type IN (${quoted(CONTACTED)}), ${str('cost', 'currency')},
      r.type IN (${quoted(COMPLAINT_RESOLVED)}), ${str('compensation', 'currency')}, '')`,
  ],
  ['item_skus', forTypes(PURCHASED, `arrayMap(i -> JSONExtractString(i, 'sku'), ${ITEMS})`, '[]')],
  ['item_categories', forTypes(PURCHASED, `arrayMap(i -> JSONExtractString(i, 'category'), ${ITEMS})`, '[]')],
  ['item_quantities', forTypes(PURCHASED, `arrayMap(i -> toUInt32(${itemQuantity}), ${ITEMS})`, '[]')],
  ['item_unit_minor', forTypes(PURCHASED, `arrayMap(i -> ${itemUnitMinor}, ${ITEMS})`, '[]')],
  ['referred_by', forTypes(ACQUIRED, str('referredBy'), `''`)],
  ['referred_customer_id', forTypes(REFERRED, str('referredCustomerId'), `''`)],
  ['referral_code', forTypes(REFERRED, str('referralCode'), `''`)],
  ['churn_reason', forTypes(CHURNED, str('reason'), `''`)],
  [
    'churn_voluntary',
    forTypes(
      CHURNED,
      `if(JSONType(r.data, 'voluntary') = 'Bool', toNullable(JSONExtractBool(r.data, 'voluntary') = 1), NULL)`,
      'NULL',
    ),
  ],
  ['contact_direction', forTypes(CONTACTED, str('direction'), `''`)],
  ['contact_purpose', forTypes(CONTACTED, str('purpose'), `''`)],
  ['contact_outcome', forTypes(CONTACTED, str('outcome'), `''`)],
  ['agent_id', forTypes(CONTACTED, str('agentId'), `''`)],
  ['country', forTypes(ACQUIRED, str('profile', 'country'), `''`)],
  [
    'city',
    forTypes(
      ACQUIRED,
      `if(JSONHas(r.personal, 'city'), JSONExtractString(r.personal, 'city'), ${str('profile', 'city')})`,
      `''`,
    ),
  ],
  [
    'birth_year',
    forTypes(
      ACQUIRED,
      `if(JSONType(r.data, 'profile', 'birthYear') IN ('Int64', 'UInt64'), toNullable(toUInt16(JSONExtractUInt(r.data, 'profile', 'birthYear'))), NULL)`,
      'NULL',
    ),
  ],
  ['gender', forTypes(ACQUIRED, str('profile', 'gender'), `''`)],
  ['income_band', forTypes(ACQUIRED, str('profile', 'incomeBand'), `''`)],
  ['attributes', forTypes(ACQUIRED, ATTRIBUTES, `map()`)],
  ['triggered_by', forTypes(REACTIVATED, str('triggeredBy'), `''`)],
  // Issue 13's facts (infra/clickhouse/0020_customer_facts.sql). Free-text comments are never copied.
  ['feedback_metric', forTypes(FEEDBACK, str('metric'), `''`)],
  ['feedback_score', forTypes(FEEDBACK, `toNullable(toUInt8(JSONExtractInt(r.data, 'score')))`, 'NULL')],
  ['survey_id', forTypes(FEEDBACK, str('surveyId'), `''`)],
  ['contact_event_id', forTypes(FEEDBACK, str('contactEventId'), `''`)],
  ['complaint_id', forTypes([...COMPLAINT_OPENED, ...COMPLAINT_RESOLVED], str('complaintId'), `''`)],
  ['complaint_category', forTypes(COMPLAINT_OPENED, str('category'), `''`)],
  ['complaint_severity', forTypes(COMPLAINT_OPENED, str('severity'), `''`)],
  ['complaint_resolution', forTypes(COMPLAINT_RESOLVED, str('resolution'), `''`)],
  [
    'compensation_minor',
    forTypes(COMPLAINT_RESOLVED, `JSONExtractInt(r.data, 'compensation', 'minor')`, '0'),
  ],
  [
    'complaint_accepted',
    forTypes(
      COMPLAINT_RESOLVED,
      `if(JSONType(r.data, 'accepted') = 'Bool', toNullable(JSONExtractBool(r.data, 'accepted') = 1), NULL)`,
      'NULL',
    ),
  ],
  ['consent_purpose', forTypes(CONSENT, str('purpose'), `''`)],
  [
    'consents',
    forTypes(
      ACQUIRED,
      `arrayMap(c -> concat(JSONExtractString(c, 'channel'), ':', JSONExtractString(c, 'purpose')), JSONExtractArrayRaw(r.data, 'consents'))`,
      '[]',
    ),
  ],
  ['preferred_language', forTypes(PREFERENCES, str('language'), `''`)],
  ['contact_frequency', forTypes(PREFERENCES, str('contactFrequency'), `''`)],
  [
    'preferred_categories',
    forTypes(
      PREFERENCES,
      `arrayFilter(c -> c != '', arrayMap(c -> JSONExtractString(c), JSONExtractArrayRaw(r.data, 'categories')))`,
      '[]',
    ),
  ],
  [
    'contact_cost_minor',
    forTypes(
      CONTACTED,
      `if(JSONType(r.data, 'cost') = 'Null', NULL, toNullable(JSONExtractInt(r.data, 'cost', 'minor')))`,
      'NULL',
    ),
  ],
  ['period_start', forTypes(SPEND, `toDateOrNull(${str('periodStart')})`, 'NULL')],
  ['period_end', forTypes(SPEND, `toDateOrNull(${str('periodEnd')})`, 'NULL')],
  ['spend_minor', forTypes(SPEND, `JSONExtractInt(r.data, 'amount', 'minor')`, '0')],
];

const DAY = (field: string) => `match(${str(field)}, '^[0-9]{4}-[0-9]{2}-[0-9]{2}$')`;
/** Money at `field` of the data: absent (or null) is no money; present, its minor units must be an integer. */
const badMoney = (field: string) =>
  `(JSONType(r.data, '${field}') != 'Null' AND NOT ${SAFE_INTEGER('r.data', field, 'minor')})`;

/**
 * Why an event cannot be stored ('' when it can): the live consumer dead-letters such an event, a rebuild
 * leaves it out and reports it. The text is MalformedAnalyticsEventError's reason.
 */
export const REJECTION = `multiIf(
    NOT isValidJSON(r.personal), 'its sealed personal data cannot be opened',
    ${OCCURRED_AT} IS NULL, concat('occurredAt is not a date-time: ', r.occurred_at),
    ${RECORDED_AT} IS NULL, concat('recordedAt is not a date-time: ', r.recorded_at),
    r.type = 'CustomerFeedbackGiven' AND NOT (${SAFE_INTEGER('r.data', 'score')} AND JSONExtractInt(r.data, 'score') BETWEEN 0 AND 255),
      'data.score must be an integer from 0 to 255',
    r.type = 'CustomerContacted' AND ${badMoney('cost')}, 'data.cost.minor must be an integer',
    r.type = 'CustomerComplaintResolved' AND ${badMoney('compensation')}, 'data.compensation.minor must be an integer',
    r.type = 'MarketingSpendRecorded' AND NOT ${DAY('periodStart')}, 'data.periodStart must be a day YYYY-MM-DD',
    r.type = 'MarketingSpendRecorded' AND NOT ${DAY('periodEnd')}, 'data.periodEnd must be a day YYYY-MM-DD',
    r.type = 'MarketingSpendRecorded' AND ${badMoney('amount')}, 'data.amount.minor must be an integer',
    r.type != 'CustomerPurchased', '',
    NOT ${SAFE_INTEGER('r.data', 'amount', 'minor')}, 'data.amount.minor must be an integer',
    NOT arrayAll(i -> ${validItemQuantity}, ${ITEMS}),
      concat('data.items[', toString(arrayFirstIndex(i -> NOT ${validItemQuantity}, ${ITEMS}) - 1), '].quantity must be an integer'),
    NOT arrayAll(i -> ${validItemUnit}, ${ITEMS}),
      concat('data.items[', toString(arrayFirstIndex(i -> NOT ${validItemUnit}, ${ITEMS}) - 1), '].unitPrice.minor must be an integer'),
    '')`;

/** The `events` columns the mapping fills, for the INSERT's column list. */
export const EVENT_ROW_COLUMN_NAMES = EVENT_ROW_COLUMNS.map(([name]) => name).join(', ');

/**
 * `SELECT <the mapping>, <rejection> AS rejection FROM <source>`: `source` is a table expression with the
 * raw event columns (a table function, or a subquery).
 */
export function eventRowsSelect(source: string): string {
  const columns = EVENT_ROW_COLUMNS.map(([name, expression]) => `${expression} AS ${name}`).join(',\n    ');
  return `SELECT\n    ${columns},\n    ${REJECTION} AS rejection\nFROM ${source} AS r`;
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
  const recorded = `if(JSONHas(metadata, 'schemaVersion'), JSONExtractRaw(metadata, 'schemaVersion'), '1')`;
  const cases = versions.map(([type, version]) => `type = '${type}', ${recorded} != '${version}'`).join(', ');
  return `multiIf(${cases}, 0)`;
})();
