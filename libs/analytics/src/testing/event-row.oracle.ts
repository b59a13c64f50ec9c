import { customerIdFromStream } from '@crm/domain';
import type { RecordedEvent } from '@crm/event-store';
import { toClickHouseDateTime } from '../clickhouse/clickhouse-statements';
import { MalformedAnalyticsEventError } from '../projector/malformed-event.error';
import { withCustomerFactColumns } from './customer-fact.oracle';

/**
 * The event -> row mapping as the projector did it in TypeScript before the mapping moved into SQL
 * (src/projector/event-row.sql.ts): kept as the oracle the SQL mapping is tested against, written
 * independently of it. Not used by production code.
 */

/** One row of `events` (column names as in infra/clickhouse/0001_events.sql). */
export interface EventRow {
  event_id: string;
  event_type: string;
  customer_id: string;
  stream_revision: number;
  /** Decimal string: UInt64 positions can exceed 2^53. */
  global_position: string;
  occurred_at: string;
  recorded_at: string;
  source: string;
  correlation_id: string;
  schema_version: number;
  channel: string;
  campaign: string;
  order_id: string;
  amount_minor: number;
  currency: string;
  item_skus: string[];
  item_categories: string[];
  item_quantities: number[];
  item_unit_minor: number[];
  referred_by: string;
  referred_customer_id: string;
  referral_code: string;
  churn_reason: string;
  churn_voluntary: boolean | null;
  contact_direction: string;
  contact_purpose: string;
  contact_outcome: string;
  agent_id: string;
  country: string;
  city: string;
  birth_year: number | null;
  gender: string;
  income_band: string;
  attributes: Record<string, string>;
  triggered_by: string;
}

type Data = Readonly<Record<string, unknown>>;

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const record = (value: unknown): Data =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Data) : {};

function integer(event: RecordedEvent, field: string, value: unknown, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new MalformedAnalyticsEventError(event.eventId, `${field} must be an integer`);
  }
  return value;
}

function dateTime(event: RecordedEvent, field: string, value: string): string {
  try {
    return toClickHouseDateTime(value);
  } catch {
    throw new MalformedAnalyticsEventError(event.eventId, `${field} is not a date-time: ${value}`);
  }
}

/** The columns every event has; the type-specific ones start empty. */
function baseRow(event: RecordedEvent): EventRow {
  return {
    event_id: event.eventId,
    event_type: event.type,
    customer_id: customerIdFromStream(event.streamId),
    stream_revision: event.streamRevision,
    global_position: event.globalPosition.toString(),
    occurred_at: dateTime(event, 'occurredAt', event.occurredAt),
    recorded_at: dateTime(event, 'recordedAt', event.recordedAt),
    source: text(event.metadata?.source),
    correlation_id: text(event.metadata?.correlationId),
    schema_version: typeof event.metadata?.schemaVersion === 'number' ? event.metadata.schemaVersion : 1,
    channel: '',
    campaign: '',
    order_id: '',
    amount_minor: 0,
    currency: '',
    item_skus: [],
    item_categories: [],
    item_quantities: [],
    item_unit_minor: [],
    referred_by: '',
    referred_customer_id: '',
    referral_code: '',
    churn_reason: '',
    churn_voluntary: null,
    contact_direction: '',
    contact_purpose: '',
    contact_outcome: '',
    agent_id: '',
    country: '',
    city: '',
    birth_year: null,
    gender: '',
    income_band: '',
    attributes: {},
    triggered_by: '',
  };
}

/**
 * Flattens a recorded customer event into its `events` row. Types this code does not know yet keep only the
 * common columns (a newer publisher must not stop the projection). Personal data (name, e-mail, phone) is not
 * copied: analysts get country, city, birth year, gender and income band only.
 */
export function toEventRow(event: RecordedEvent): EventRow {
  const row = baseRow(event);
  const data = record(event.data);
  switch (event.type) {
    case 'CustomerAcquired': {
      const profile = record(data.profile);
      row.channel = text(data.channel);
      row.campaign = text(data.campaign);
      row.referred_by = text(data.referredBy);
      row.country = text(profile.country);
      row.city = text(profile.city);
      row.birth_year = typeof profile.birthYear === 'number' ? profile.birthYear : null;
      row.gender = text(profile.gender);
      row.income_band = text(profile.incomeBand);
      row.attributes = Object.fromEntries(
        Object.entries(record(data.attributes)).map(([key, value]) => [key, String(value)]),
      );
      break;
    }
    case 'CustomerContacted':
      row.channel = text(data.channel);
      row.campaign = text(data.campaign);
      row.contact_direction = text(data.direction);
      row.contact_purpose = text(data.purpose);
      row.contact_outcome = text(data.outcome);
      row.agent_id = text(data.agentId);
      break;
    case 'CustomerPurchased': {
      const amount = record(data.amount);
      row.order_id = text(data.orderId);
      row.amount_minor = integer(event, 'data.amount.minor', amount.minor);
      row.currency = text(amount.currency);
      row.channel = text(data.channel);
      const items = Array.isArray(data.items) ? data.items.map(record) : [];
      row.item_skus = items.map((item) => text(item.sku));
      row.item_categories = items.map((item) => text(item.category));
      row.item_quantities = items.map((item, i) =>
        integer(event, `data.items[${i}].quantity`, item.quantity, 1),
      );
      row.item_unit_minor = items.map((item, i) =>
        integer(event, `data.items[${i}].unitPrice.minor`, record(item.unitPrice).minor, 0),
      );
      break;
    }
    case 'CustomerReferred':
      row.referred_customer_id = text(data.referredCustomerId);
      row.referral_code = text(data.referralCode);
      row.channel = text(data.channel);
      break;
    case 'CustomerChurned':
      row.churn_reason = text(data.reason);
      row.churn_voluntary = typeof data.voluntary === 'boolean' ? data.voluntary : null;
      break;
    case 'CustomerReactivated':
      row.triggered_by = text(data.triggeredBy);
      break;
    case 'CustomerPersonalDataErased':
      // Only the common columns: the projector scrubs the city of the customer's CustomerAcquired row.
      break;
  }
  return withCustomerFactColumns(event, row);
}
