import { isCampaignStream } from '@crm/domain';
import type { RecordedEvent } from '@crm/event-store';
import { MalformedAnalyticsEventError } from '../projector/malformed-event.error';
import type { EventRow } from './event-row.oracle';

/**
 * The oracle of issue 13's fact columns (infra/clickhouse/0020_customer_facts.sql): satisfaction,
 * complaints, consent, preferences, contact costs and marketing spend, in TypeScript, written independently
 * of the SQL mapping (src/projector/event-row.sql.ts) that production runs. Not used by production code.
 */
export interface CustomerFactColumns {
  feedback_metric: string;
  feedback_score: number | null;
  survey_id: string;
  contact_event_id: string;
  complaint_id: string;
  complaint_category: string;
  complaint_severity: string;
  complaint_resolution: string;
  compensation_minor: number;
  complaint_accepted: boolean | null;
  consent_purpose: string;
  consents: string[];
  preferred_language: string;
  contact_frequency: string;
  preferred_categories: string[];
  contact_cost_minor: number | null;
  period_start: string | null;
  period_end: string | null;
  spend_minor: number;
}

export type FactEventRow = EventRow & CustomerFactColumns;

type Data = Readonly<Record<string, unknown>>;
const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const record = (value: unknown): Data =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Data) : {};
const texts = (value: unknown): string[] => (Array.isArray(value) ? value.map(text).filter(Boolean) : []);
const DAY = /^\d{4}-\d{2}-\d{2}$/;

const emptyFacts = (): CustomerFactColumns => ({
  feedback_metric: '',
  feedback_score: null,
  survey_id: '',
  contact_event_id: '',
  complaint_id: '',
  complaint_category: '',
  complaint_severity: '',
  complaint_resolution: '',
  compensation_minor: 0,
  complaint_accepted: null,
  consent_purpose: '',
  consents: [],
  preferred_language: '',
  contact_frequency: '',
  preferred_categories: [],
  contact_cost_minor: null,
  period_start: null,
  period_end: null,
  spend_minor: 0,
});

/** Money of the event (`{minor, currency}`) as minor units; sets the row's currency. Absent -> undefined. */
function money(event: RecordedEvent, row: EventRow, field: string, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const amount = record(value);
  if (typeof amount.minor !== 'number' || !Number.isSafeInteger(amount.minor)) {
    throw new MalformedAnalyticsEventError(event.eventId, `${field}.minor must be an integer`);
  }
  row.currency = text(amount.currency);
  return amount.minor;
}

function day(event: RecordedEvent, field: string, value: unknown): string {
  if (typeof value !== 'string' || !DAY.test(value)) {
    throw new MalformedAnalyticsEventError(event.eventId, `${field} must be a day YYYY-MM-DD`);
  }
  return value;
}

/**
 * The row of `event` with the fact columns filled in (the lifecycle columns are `row`'s). Score 0-255 is
 * stored as given: scales are the write path's rule; the analytics answers only read what was accepted.
 */
export function withCustomerFactColumns(event: RecordedEvent, row: EventRow): FactEventRow {
  const facts = emptyFacts();
  const out: FactEventRow = Object.assign(row, facts);
  const data = record(event.data);
  switch (event.type) {
    case 'CustomerAcquired':
      out.consents = (Array.isArray(data.consents) ? data.consents : [])
        .map(record)
        .map((c) => `${text(c.channel)}:${text(c.purpose)}`);
      break;
    case 'CustomerContacted':
      out.contact_cost_minor = money(event, out, 'data.cost', data.cost) ?? null;
      break;
    case 'CustomerFeedbackGiven': {
      out.feedback_metric = text(data.metric);
      const score = data.score;
      if (typeof score !== 'number' || !Number.isInteger(score) || score < 0 || score > 255) {
        throw new MalformedAnalyticsEventError(event.eventId, 'data.score must be an integer from 0 to 255');
      }
      out.feedback_score = score;
      out.channel = text(data.channel);
      out.survey_id = text(data.surveyId);
      out.order_id = text(data.orderId);
      out.contact_event_id = text(data.contactEventId);
      break;
    }
    case 'CustomerComplaintOpened':
      out.complaint_id = text(data.complaintId);
      out.complaint_category = text(data.category);
      out.complaint_severity = text(data.severity);
      out.channel = text(data.channel);
      out.order_id = text(data.orderId);
      break;
    case 'CustomerComplaintResolved':
      out.complaint_id = text(data.complaintId);
      out.complaint_resolution = text(data.resolution);
      out.compensation_minor = money(event, out, 'data.compensation', data.compensation) ?? 0;
      out.complaint_accepted = typeof data.accepted === 'boolean' ? data.accepted : null;
      break;
    case 'CustomerConsentGranted':
    case 'CustomerConsentWithdrawn':
      out.channel = text(data.channel);
      out.consent_purpose = text(data.purpose);
      break;
    case 'CustomerPreferencesSet':
      out.channel = text(data.preferredChannel);
      out.preferred_language = text(data.language);
      out.contact_frequency = text(data.contactFrequency);
      out.preferred_categories = texts(data.categories);
      break;
    case 'MarketingSpendRecorded':
      out.customer_id = '';
      out.campaign = text(data.campaign);
      out.channel = text(data.channel);
      out.period_start = day(event, 'data.periodStart', data.periodStart);
      out.period_end = day(event, 'data.periodEnd', data.periodEnd);
      out.spend_minor = money(event, out, 'data.amount', data.amount) ?? 0;
      break;
  }
  // A campaign stream holds no customer, whatever its event type.
  if (isCampaignStream(event.streamId)) out.customer_id = '';
  return out;
}
