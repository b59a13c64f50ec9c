import { consentKey, consentList, costTotals, type CostState } from './customer-file.fold';
import type { CustomerState } from './customer-summary.fold';
import type { ConsentView, CostTotal } from './customer-summary.types';

type RowValue = string | number | null;
type Column = readonly [property: keyof CustomerState | 'updatedAt', column: string, pgType: 'text' | 'int'];

/**
 * The `customers` columns in the order every statement of the projector binds them, with the fold state's
 * property each one stores and its PostgreSQL array type (for unnest). Must list what the migrations create.
 */
export const CUSTOMER_COLUMNS: readonly Column[] = [
  ['customerId', 'customer_id', 'text'],
  ['name', 'name', 'text'],
  ['email', 'email', 'text'],
  ['phone', 'phone', 'text'],
  ['country', 'country', 'text'],
  ['city', 'city', 'text'],
  ['birthYear', 'birth_year', 'int'],
  ['gender', 'gender', 'text'],
  ['incomeBand', 'income_band', 'text'],
  ['attributes', 'attributes', 'text'],
  ['stage', 'stage', 'text'],
  ['acquisitionChannel', 'acquisition_channel', 'text'],
  ['acquisitionCampaign', 'acquisition_campaign', 'text'],
  ['referredBy', 'referred_by', 'text'],
  ['acquiredAt', 'acquired_at', 'text'],
  ['churnedAt', 'churned_at', 'text'],
  ['churnReason', 'churn_reason', 'text'],
  ['reactivatedCount', 'reactivated_count', 'int'],
  ['erasedAt', 'erased_at', 'text'],
  ['contactsCount', 'contacts_count', 'int'],
  ['purchasesCount', 'purchases_count', 'int'],
  ['referralsMade', 'referrals_made', 'int'],
  ['firstPurchaseAt', 'first_purchase_at', 'text'],
  ['lastPurchaseAt', 'last_purchase_at', 'text'],
  ['firstContactAt', 'first_contact_at', 'text'],
  ['lastContactAt', 'last_contact_at', 'text'],
  ['nps', 'nps', 'text'],
  ['csat', 'csat', 'text'],
  ['complaintsOpened', 'complaints_opened', 'int'],
  ['complaintsResolved', 'complaints_resolved', 'int'],
  ['openComplaints', 'open_complaints', 'text'],
  ['consents', 'consents', 'text'],
  ['preferences', 'preferences', 'text'],
  ['costToServe', 'cost_to_serve', 'text'],
  ['compensation', 'compensation', 'text'],
  ['streamRevision', 'stream_revision', 'int'],
  ['lastGlobalPosition', 'last_global_position', 'text'],
  ['updatedAt', 'updated_at', 'text'],
];

export const SPEND_COLUMNS = ['customer_id', 'currency', 'total_minor', 'purchases'] as const;

/** A customer row as the driver returns it (column names as keys). */
export type CustomerRecord = Record<string, unknown>;

const jsonOrNull = (value: unknown): string | null => (value === null ? null : JSON.stringify(value));

/**
 * The row's values in CUSTOMER_COLUMNS order. `attributes` and the customer's file (`nps` … `compensation`)
 * are JSON text, as TypeORM's simple-json columns that the queries read them through store it; consents
 * and costs are stored as the lists the Customer 360 shows (sorted), so reading a row needs no rule.
 */
export function customerRowValues(state: CustomerState, updatedAt: string): RowValue[] {
  return [
    state.customerId,
    state.name,
    state.email,
    state.phone,
    state.country,
    state.city,
    state.birthYear,
    state.gender,
    state.incomeBand,
    JSON.stringify(state.attributes),
    state.stage,
    state.acquisitionChannel,
    state.acquisitionCampaign,
    state.referredBy,
    state.acquiredAt,
    state.churnedAt,
    state.churnReason,
    state.reactivatedCount,
    state.erasedAt,
    state.contactsCount,
    state.purchasesCount,
    state.referralsMade,
    state.firstPurchaseAt,
    state.lastPurchaseAt,
    state.firstContactAt,
    state.lastContactAt,
    jsonOrNull(state.nps),
    jsonOrNull(state.csat),
    state.complaintsOpened,
    state.complaintsResolved,
    JSON.stringify(state.openComplaints),
    JSON.stringify(consentList(state.consents)),
    jsonOrNull(state.preferences),
    JSON.stringify(costTotals(state.costToServe)),
    JSON.stringify(costTotals(state.compensation)),
    state.streamRevision,
    state.lastGlobalPosition,
    updatedAt,
  ];
}

const text = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);
const int = (value: unknown): number => Number(value);
/** JSON text of a column (the driver gives text; a NULL or a column from before the migration is absent). */
const json = <T>(value: unknown, fallback: T): T =>
  value === null || value === undefined ? fallback : (JSON.parse(String(value)) as T);
const costState = (value: unknown): CostState => {
  const costs: CostState = {};
  for (const c of json<CostTotal[]>(value, []))
    costs[c.currency] = { totalMinor: c.totalMinor, count: c.count };
  return costs;
};

/** A stored row back to the fold's state (spend is added by the caller from `customer_spend`). */
export function customerStateFromRow(row: CustomerRecord): CustomerState {
  const attributes = row.attributes === null || row.attributes === undefined ? null : String(row.attributes);
  return {
    customerId: String(row.customer_id),
    name: text(row.name),
    email: text(row.email),
    phone: text(row.phone),
    country: text(row.country),
    city: text(row.city),
    birthYear: row.birth_year === null || row.birth_year === undefined ? null : int(row.birth_year),
    gender: text(row.gender),
    incomeBand: text(row.income_band),
    attributes: attributes ? (JSON.parse(attributes) as CustomerState['attributes']) : {},
    stage: String(row.stage) as CustomerState['stage'],
    acquisitionChannel: text(row.acquisition_channel),
    acquisitionCampaign: text(row.acquisition_campaign),
    referredBy: text(row.referred_by),
    acquiredAt: text(row.acquired_at),
    churnedAt: text(row.churned_at),
    churnReason: text(row.churn_reason),
    reactivatedCount: int(row.reactivated_count),
    erasedAt: text(row.erased_at),
    contactsCount: int(row.contacts_count),
    purchasesCount: int(row.purchases_count),
    referralsMade: int(row.referrals_made),
    firstPurchaseAt: text(row.first_purchase_at),
    lastPurchaseAt: text(row.last_purchase_at),
    firstContactAt: text(row.first_contact_at),
    lastContactAt: text(row.last_contact_at),
    nps: json(row.nps, null),
    csat: json(row.csat, null),
    complaintsOpened: int(row.complaints_opened ?? 0),
    complaintsResolved: int(row.complaints_resolved ?? 0),
    openComplaints: json(row.open_complaints, []),
    consents: Object.fromEntries(json<ConsentView[]>(row.consents, []).map((c) => [consentKey(c), c])),
    preferences: json(row.preferences, null),
    costToServe: costState(row.cost_to_serve),
    compensation: costState(row.compensation),
    streamRevision: int(row.stream_revision),
    lastGlobalPosition: String(row.last_global_position),
    spend: new Map(),
  };
}

/** Adds a `customer_spend` row to its customer's state (`total_minor`: a number or decimal text). */
export function addSpendRow(state: CustomerState, row: CustomerRecord): void {
  state.spend.set(String(row.currency), {
    totalMinor: BigInt(row.total_minor as number | string),
    purchases: Number(row.purchases),
  });
}
