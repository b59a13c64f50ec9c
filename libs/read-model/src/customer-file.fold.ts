import type {
  CustomerComplaintOpenedData,
  CustomerComplaintResolvedData,
  CustomerContactedData,
  CustomerFeedbackGivenData,
  CustomerPreferencesSetData,
  Money,
} from '@crm/domain';
import type { RecordedEvent } from '@crm/event-store';
import type { CustomerState } from './customer-summary.fold';
import type { ConsentView, CostTotal, NpsClass } from './customer-summary.types';
import { maxIso } from './iso-time';
import { MalformedEventError } from './read-model.errors';

/**
 * The customer's file (satisfaction, complaints, consent, preferences, costs): the parts of THE rule
 * (`evolveCustomer`) for issue 13's facts, kept here so the fold stays readable. Only `evolveCustomer` calls
 * these. Each validates what it needs before changing anything, so a malformed event leaves the state as it
 * was (MalformedEventError), like a purchase without an amount.
 */

/** Money per currency as the fold carries it (JSON in the row). */
export type CostState = Record<string, { totalMinor: number; count: number }>;

/** Net Promoter classes: 9-10 promoters, 7-8 passives, 0-6 detractors. */
export const npsClassOf = (score: number): NpsClass =>
  score >= 9 ? 'promoter' : score >= 7 ? 'passive' : 'detractor';

const SCALES = { nps: [0, 10], csat: [1, 5] } as const;

const malformed = (event: RecordedEvent, message: string) => new MalformedEventError(event.eventId, message);

function moneyOf(event: RecordedEvent, value: unknown, what: string): Money | undefined {
  if (value === undefined || value === null) return undefined;
  const money = value as Partial<Money>;
  if (!Number.isSafeInteger(money.minor) || typeof money.currency !== 'string') {
    throw malformed(event, `${event.type} ${what} needs {minor: integer, currency}`);
  }
  return money as Money;
}

function addCost(costs: CostState, money: Money): void {
  const total = costs[money.currency];
  if (total) {
    total.totalMinor += money.minor;
    total.count += 1;
  } else costs[money.currency] = { totalMinor: money.minor, count: 1 };
}

/** Per currency, sorted by currency code. */
export const costTotals = (costs: CostState): CostTotal[] =>
  Object.entries(costs)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([currency, c]) => ({ currency, totalMinor: c.totalMinor, count: c.count }));

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The fold's key of a consent in `CustomerState.consents`: one per channel and purpose. */
export const consentKey = (scope: { channel: string; purpose: string }): string =>
  `${scope.channel}:${scope.purpose}`;

/** Consents as the Customer 360 shows them: one entry per channel and purpose, by channel then purpose. */
export const consentList = (consents: Record<string, ConsentView>): ConsentView[] =>
  Object.values(consents).sort((a, b) =>
    a.channel === b.channel ? byText(a.purpose, b.purpose) : byText(a.channel, b.channel),
  );

/** A contact's own cost adds to the cost to serve. */
export function applyContactCost(state: CustomerState, event: RecordedEvent): void {
  const cost = moneyOf(event, (event.data as Partial<CustomerContactedData> | undefined)?.cost, 'cost');
  if (cost) addCost(state.costToServe, cost);
}

/** The latest answer per metric, by business time (a tie goes to the later event of the stream). */
export function applyFeedback(state: CustomerState, event: RecordedEvent, at: string): void {
  const data = (event.data ?? {}) as Partial<CustomerFeedbackGivenData>;
  const scale = data.metric === 'nps' || data.metric === 'csat' ? SCALES[data.metric] : undefined;
  const score = data.score;
  if (!scale || !Number.isInteger(score) || score! < scale[0] || score! > scale[1]) {
    throw malformed(
      event,
      'CustomerFeedbackGiven needs metric nps (0-10) or csat (1-5) and an integer score',
    );
  }
  const answer = {
    score: score!,
    surveyId: String(data.surveyId ?? ''),
    channel: String(data.channel ?? ''),
    at,
  };
  if (data.metric === 'nps') {
    if (state.nps === null || at >= state.nps.at) state.nps = { ...answer, class: npsClassOf(score!) };
  } else if (state.csat === null || at >= state.csat.at) state.csat = answer;
}

/** A complaint opens once: a second opening of an open complaint id changes nothing. */
export function applyComplaintOpened(state: CustomerState, event: RecordedEvent, at: string): void {
  const data = (event.data ?? {}) as Partial<CustomerComplaintOpenedData>;
  if (typeof data.complaintId !== 'string' || data.complaintId === '') {
    throw malformed(event, 'CustomerComplaintOpened needs a complaintId');
  }
  if (state.openComplaints.some((c) => c.complaintId === data.complaintId)) return;
  state.complaintsOpened += 1;
  state.openComplaints.push({
    complaintId: data.complaintId,
    category: String(data.category ?? 'other'),
    severity: String(data.severity ?? 'low'),
    channel: String(data.channel ?? ''),
    orderId: data.orderId ?? null,
    openedAt: at,
  });
  state.openComplaints.sort((a, b) =>
    a.openedAt === b.openedAt ? (a.complaintId < b.complaintId ? -1 : 1) : a.openedAt < b.openedAt ? -1 : 1,
  );
}

/**
 * Resolving closes an open complaint (a resolution of a complaint that is not open counts nothing: the
 * decider refuses it); any compensation adds up per currency.
 */
export function applyComplaintResolved(state: CustomerState, event: RecordedEvent): void {
  const data = (event.data ?? {}) as Partial<CustomerComplaintResolvedData>;
  if (typeof data.complaintId !== 'string' || data.complaintId === '') {
    throw malformed(event, 'CustomerComplaintResolved needs a complaintId');
  }
  const compensation = moneyOf(event, data.compensation, 'compensation');
  const open = state.openComplaints.findIndex((c) => c.complaintId === data.complaintId);
  if (open >= 0) {
    state.openComplaints.splice(open, 1);
    state.complaintsResolved += 1;
  }
  if (compensation) addCost(state.compensation, compensation);
}

/** Each channel and purpose keeps its latest grant or withdrawal by business time (ties: the later event). */
export function applyConsent(
  state: CustomerState,
  status: 'granted' | 'withdrawn',
  scope: { channel?: string; purpose?: string },
  at: string,
  source: string | null,
): void {
  const { channel, purpose } = scope;
  if (typeof channel !== 'string' || typeof purpose !== 'string') return;
  const key = consentKey({ channel, purpose });
  const current = state.consents[key];
  if (current && at < current.at) return;
  state.consents[key] = { channel, purpose, status, at, source };
}

/** Each field given replaces the previous value; absent fields stay. */
export function applyPreferences(state: CustomerState, event: RecordedEvent, at: string): void {
  const data = (event.data ?? {}) as CustomerPreferencesSetData;
  const before = state.preferences;
  state.preferences = {
    preferredChannel: data.preferredChannel ?? before?.preferredChannel ?? null,
    language: data.language ?? before?.language ?? null,
    contactFrequency: data.contactFrequency ?? before?.contactFrequency ?? null,
    categories: data.categories ? [...data.categories] : (before?.categories ?? null),
    updatedAt: maxIso(before?.updatedAt ?? null, at),
  };
}
