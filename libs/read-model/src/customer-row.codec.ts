import type { CustomerState } from './customer-summary.fold';

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
  ['streamRevision', 'stream_revision', 'int'],
  ['lastGlobalPosition', 'last_global_position', 'text'],
  ['updatedAt', 'updated_at', 'text'],
];

export const SPEND_COLUMNS = ['customer_id', 'currency', 'total_minor', 'purchases'] as const;

/** A customer row as the driver returns it (column names as keys). */
export type CustomerRecord = Record<string, unknown>;

/**
 * The row's values in CUSTOMER_COLUMNS order. `attributes` is JSON text, as TypeORM's simple-json column
 * that the queries read it through stores it.
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
    state.streamRevision,
    state.lastGlobalPosition,
    updatedAt,
  ];
}

const text = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);
const int = (value: unknown): number => Number(value);

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
    streamRevision: int(row.stream_revision),
    lastGlobalPosition: String(row.last_global_position),
    spend: new Map(),
  };
}
