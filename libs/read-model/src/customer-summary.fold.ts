import {
  customerIdFromStream,
  type CustomerAcquiredData,
  type CustomerChurnedData,
  type CustomerPurchasedData,
  type AttributeValue,
  PERSONAL_PROFILE_FIELDS,
} from '@crm/domain';
import type { RecordedEvent } from '@crm/event-store';
import {
  applyComplaintOpened,
  applyComplaintResolved,
  applyConsent,
  applyContactCost,
  applyFeedback,
  applyPreferences,
  consentList,
  costTotals,
  type CostState,
} from './customer-file.fold';
import type {
  ConsentView,
  CustomerStage,
  CustomerSummary,
  FeedbackView,
  NpsView,
  OpenComplaintView,
  PreferencesView,
  SpendTotal,
} from './customer-summary.types';
import { maxIso, minIso, toIsoUtc } from './iso-time';
import { MalformedEventError } from './read-model.errors';

/** Spend in one currency: integer minor units, exact as BigInt whatever the history. */
export interface SpendState {
  totalMinor: bigint;
  purchases: number;
}

/**
 * One customer as the fold carries it between events: the columns of the `customers` row (same names, so
 * the projector stores it as is) plus spend per currency. Mutable on purpose: the projector folds a batch's
 * events into it in place, at a fraction of a microsecond per event.
 */
export interface CustomerState {
  customerId: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  country: string | null;
  city: string | null;
  birthYear: number | null;
  gender: string | null;
  incomeBand: string | null;
  attributes: Record<string, AttributeValue>;
  stage: CustomerStage;
  acquisitionChannel: string | null;
  acquisitionCampaign: string | null;
  referredBy: string | null;
  acquiredAt: string | null;
  churnedAt: string | null;
  churnReason: string | null;
  reactivatedCount: number;
  erasedAt: string | null;
  contactsCount: number;
  purchasesCount: number;
  referralsMade: number;
  firstPurchaseAt: string | null;
  lastPurchaseAt: string | null;
  firstContactAt: string | null;
  lastContactAt: string | null;
  nps: NpsView | null;
  csat: FeedbackView | null;
  complaintsOpened: number;
  complaintsResolved: number;
  /** Open complaints, oldest first (then by id). */
  openComplaints: OpenComplaintView[];
  /** By `channel:purpose`. */
  consents: Record<string, ConsentView>;
  preferences: PreferencesView | null;
  costToServe: CostState;
  compensation: CostState;
  /** Revision of the last event folded in; -1 before the first. */
  streamRevision: number;
  /** Global position of the last event folded in, as a decimal string. */
  lastGlobalPosition: string;
  spend: Map<string, SpendState>;
}

/** A customer nothing is known of yet. */
export function initialCustomerState(customerId: string): CustomerState {
  return {
    customerId,
    name: null,
    email: null,
    phone: null,
    country: null,
    city: null,
    birthYear: null,
    gender: null,
    incomeBand: null,
    attributes: {},
    stage: 'acquired',
    acquisitionChannel: null,
    acquisitionCampaign: null,
    referredBy: null,
    acquiredAt: null,
    churnedAt: null,
    churnReason: null,
    reactivatedCount: 0,
    erasedAt: null,
    contactsCount: 0,
    purchasesCount: 0,
    referralsMade: 0,
    firstPurchaseAt: null,
    lastPurchaseAt: null,
    firstContactAt: null,
    lastContactAt: null,
    nps: null,
    csat: null,
    complaintsOpened: 0,
    complaintsResolved: 0,
    openComplaints: [],
    consents: {},
    preferences: null,
    costToServe: {},
    compensation: {},
    streamRevision: -1,
    lastGlobalPosition: '0',
    spend: new Map(),
  };
}

/**
 * THE rule of the Customer 360: what one event does to a customer. The live projector, the rebuild (which
 * runs the projector) and the reference fold the tests compare against all call this, so there is one
 * definition. The caller decides whether the event is due (revision guard, idempotency); this applies it.
 *
 * Stage: `churned` while the last churn was not followed by a reactivation; otherwise `active` once the
 * customer has purchased, `acquired` before. Unknown types move only the revision and position (forward
 * compatibility). The customer's file (satisfaction, complaints, consent, preferences, costs) is applied by
 * customer-file.fold.ts. Throws MalformedEventError, changing nothing, for a purchase without an integer
 * amount and a currency, a feedback score off its scale, a complaint without id, or money that is not
 * integer minor units (a contact's cost, a resolution's compensation).
 */
export function evolveCustomer(state: CustomerState, event: RecordedEvent): void {
  const at = toIsoUtc(event.occurredAt);
  let churned = state.stage === 'churned';
  switch (event.type) {
    case 'CustomerAcquired': {
      const data = event.data as unknown as CustomerAcquiredData;
      const profile = data.profile ?? {};
      state.name = profile.name ?? null;
      state.email = profile.email ?? null;
      state.phone = profile.phone ?? null;
      state.country = profile.country ?? null;
      state.city = profile.city ?? null;
      state.birthYear = profile.birthYear ?? null;
      state.gender = profile.gender ?? null;
      state.incomeBand = profile.incomeBand ?? null;
      state.attributes = { ...(data.attributes ?? {}) };
      state.acquisitionChannel = data.channel ?? null;
      state.acquisitionCampaign = data.campaign ?? null;
      state.referredBy = data.referredBy ?? null;
      state.acquiredAt = at;
      for (const scope of data.consents ?? []) applyConsent(state, 'granted', scope, at, 'acquisition');
      break;
    }
    case 'CustomerContacted':
      applyContactCost(state, event); // first: a malformed cost throws before anything changed
      state.contactsCount += 1;
      state.firstContactAt = minIso(state.firstContactAt, at);
      state.lastContactAt = maxIso(state.lastContactAt, at);
      break;
    case 'CustomerPurchased': {
      const { amount } = (event.data ?? {}) as Partial<CustomerPurchasedData>;
      if (!amount || !Number.isSafeInteger(amount.minor) || typeof amount.currency !== 'string') {
        throw new MalformedEventError(
          event.eventId,
          'CustomerPurchased needs amount {minor: integer, currency}',
        );
      }
      const spend = state.spend.get(amount.currency);
      if (spend) {
        spend.totalMinor += BigInt(amount.minor);
        spend.purchases += 1;
      } else state.spend.set(amount.currency, { totalMinor: BigInt(amount.minor), purchases: 1 });
      state.purchasesCount += 1;
      state.firstPurchaseAt = minIso(state.firstPurchaseAt, at);
      state.lastPurchaseAt = maxIso(state.lastPurchaseAt, at);
      break;
    }
    case 'CustomerReferred':
      state.referralsMade += 1;
      break;
    case 'CustomerChurned': {
      const data = event.data as unknown as CustomerChurnedData;
      churned = true;
      state.churnedAt = at;
      state.churnReason = data.reason ?? null;
      break;
    }
    case 'CustomerReactivated':
      churned = false;
      state.reactivatedCount += 1;
      break;
    case 'CustomerFeedbackGiven':
      applyFeedback(state, event, at);
      break;
    case 'CustomerComplaintOpened':
      applyComplaintOpened(state, event, at);
      break;
    case 'CustomerComplaintResolved':
      applyComplaintResolved(state, event);
      break;
    case 'CustomerConsentGranted':
    case 'CustomerConsentWithdrawn': {
      const data = (event.data ?? {}) as { channel?: string; purpose?: string; source?: string };
      const status = event.type === 'CustomerConsentGranted' ? 'granted' : 'withdrawn';
      applyConsent(state, status, data, at, data.source ?? null);
      break;
    }
    case 'CustomerPreferencesSet':
      applyPreferences(state, event, at);
      break;
    case 'CustomerPersonalDataErased':
      // The event store no longer yields these fields (their key is gone); this clears the live row too.
      for (const field of PERSONAL_PROFILE_FIELDS) state[field] = null;
      state.erasedAt = state.erasedAt ?? at;
      break;
    default:
    // Unknown types (newer publishers) only move the revision and position.
  }
  state.stage = churned ? 'churned' : state.purchasesCount > 0 ? 'active' : 'acquired';
  state.streamRevision = event.streamRevision;
  state.lastGlobalPosition = event.globalPosition.toString();
}

/** The Customer 360 value of a state (spend sorted by currency). */
export function summaryOf(state: CustomerState): CustomerSummary {
  const spend: SpendTotal[] = [...state.spend.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([currency, v]) => ({ currency, totalMinor: Number(v.totalMinor), purchases: v.purchases }));
  return {
    customerId: state.customerId,
    stage: state.stage,
    profile: {
      name: state.name,
      email: state.email,
      phone: state.phone,
      country: state.country,
      city: state.city,
      birthYear: state.birthYear,
      gender: state.gender,
      incomeBand: state.incomeBand,
    },
    attributes: { ...state.attributes },
    acquisitionChannel: state.acquisitionChannel,
    acquisitionCampaign: state.acquisitionCampaign,
    referredBy: state.referredBy,
    acquiredAt: state.acquiredAt,
    churnedAt: state.churnedAt,
    churnReason: state.churnReason,
    reactivatedCount: state.reactivatedCount,
    erased: state.erasedAt !== null,
    erasedAt: state.erasedAt,
    contactsCount: state.contactsCount,
    firstContactAt: state.firstContactAt,
    lastContactAt: state.lastContactAt,
    purchasesCount: state.purchasesCount,
    firstPurchaseAt: state.firstPurchaseAt,
    lastPurchaseAt: state.lastPurchaseAt,
    spend,
    referralsMade: state.referralsMade,
    nps: state.nps === null ? null : { ...state.nps },
    csat: state.csat === null ? null : { ...state.csat },
    complaints: {
      opened: state.complaintsOpened,
      resolved: state.complaintsResolved,
      open: state.openComplaints.map((c) => ({ ...c })),
    },
    consents: consentList(state.consents).map((c) => ({ ...c })),
    preferences:
      state.preferences === null
        ? null
        : {
            ...state.preferences,
            categories: state.preferences.categories && [...state.preferences.categories],
          },
    costToServe: costTotals(state.costToServe),
    compensation: costTotals(state.compensation),
    streamRevision: state.streamRevision,
    lastGlobalPosition: state.lastGlobalPosition,
  };
}

/**
 * The reference Customer 360 of one stream: `evolveCustomer` over every event from the initial state. The
 * end-to-end tests assert `read model == fold(stream)`: what they check is everything the projector adds
 * around the rule (batching, loading and storing rows, idempotent redelivery, crashes, rebuilds).
 * The events must be one stream, in revision order, without duplicates (as the store returns it).
 */
export function foldCustomerSummary(events: readonly RecordedEvent[]): CustomerSummary {
  if (events.length === 0) throw new Error('foldCustomerSummary needs at least one event');
  const state = initialCustomerState(customerIdFromStream(events[0].streamId));
  for (const event of events) evolveCustomer(state, event);
  return summaryOf(state);
}
