import type { CustomerCommand } from './customer-commands';
import type { CustomerEvent, CustomerEventOf } from './customer-events';
import {
  ChurnedCustomerContactError,
  CustomerAlreadyAcquiredError,
  CustomerAlreadyChurnedError,
  CustomerNotAcquiredError,
  DuplicateOrderError,
  DuplicateReferralError,
  PersonalDataAlreadyErasedError,
  SelfReferralError,
} from './domain-errors';
import { deriveEventId } from './event-id';
import { lineItemCurrencyMismatches } from './purchase.rules';

/**
 * The write-side state: only what the lifecycle rules need. Read models keep the rest.
 * `orderIds` and `referred` are the keys that must not be recorded twice under different event ids.
 */
export interface CustomerState {
  readonly status: 'unknown' | 'active' | 'churned';
  readonly churnedAt?: string;
  readonly orderIds: ReadonlySet<string>;
  readonly referred: ReadonlySet<string>;
  /** The customer's personal data was erased (right to erasure); it cannot be erased twice. */
  readonly erased: boolean;
}

export const initialState = (): CustomerState => ({
  status: 'unknown',
  orderIds: new Set(),
  referred: new Set(),
  erased: false,
});

/** Contacts a churned customer may still receive: win-back and exit surveys. */
const CONTACT_PURPOSES_AFTER_CHURN: ReadonlySet<string> = new Set(['retention', 'survey']);

export function decide(command: CustomerCommand, state: CustomerState): CustomerEvent[] {
  const { customerId, eventId, occurredAt } = command;
  if (command.type === 'AcquireCustomer') {
    if (state.status !== 'unknown') throw new CustomerAlreadyAcquiredError(customerId);
    if (command.data.referredBy === customerId) throw new SelfReferralError(customerId, 'data.referredBy');
    return [{ type: 'CustomerAcquired', eventId, occurredAt, data: command.data }];
  }
  if (state.status === 'unknown') throw new CustomerNotAcquiredError(customerId, eventTypeOf(command));

  switch (command.type) {
    case 'RecordContact':
      if (state.status === 'churned' && !CONTACT_PURPOSES_AFTER_CHURN.has(command.data.purpose)) {
        throw new ChurnedCustomerContactError(customerId, command.data.purpose);
      }
      return [{ type: 'CustomerContacted', eventId, occurredAt, data: command.data }];

    case 'RecordPurchase': {
      const [mismatch] = lineItemCurrencyMismatches(command.data);
      if (mismatch) throw mismatch;
      if (state.orderIds.has(command.data.orderId))
        throw new DuplicateOrderError(customerId, command.data.orderId);
      const purchase: CustomerEventOf<'CustomerPurchased'> = {
        type: 'CustomerPurchased',
        eventId,
        occurredAt,
        data: command.data,
      };
      if (state.status !== 'churned') return [purchase];
      const reactivation: CustomerEventOf<'CustomerReactivated'> = {
        type: 'CustomerReactivated',
        eventId: deriveEventId(eventId, 'CustomerReactivated'),
        occurredAt,
        data: { triggeredBy: eventId, churnedAt: state.churnedAt ?? occurredAt },
      };
      return [reactivation, purchase];
    }

    case 'RecordReferral': {
      const referred = command.data.referredCustomerId;
      if (referred === customerId) throw new SelfReferralError(customerId, 'data.referredCustomerId');
      if (referred !== undefined && state.referred.has(referred)) {
        throw new DuplicateReferralError(customerId, referred);
      }
      return [{ type: 'CustomerReferred', eventId, occurredAt, data: command.data }];
    }

    case 'RecordChurn':
      if (state.status === 'churned') throw new CustomerAlreadyChurnedError(customerId);
      return [{ type: 'CustomerChurned', eventId, occurredAt, data: command.data }];

    case 'ErasePersonalData':
      if (state.erased) throw new PersonalDataAlreadyErasedError(customerId);
      return [{ type: 'CustomerPersonalDataErased', eventId, occurredAt, data: command.data }];
  }
}

export function evolve(state: CustomerState, event: CustomerEvent): CustomerState {
  switch (event.type) {
    case 'CustomerAcquired':
      return { ...state, status: 'active' };
    case 'CustomerPurchased':
      return { ...state, orderIds: new Set(state.orderIds).add(event.data.orderId) };
    case 'CustomerReferred': {
      const referred = event.data.referredCustomerId;
      return referred === undefined ? state : { ...state, referred: new Set(state.referred).add(referred) };
    }
    case 'CustomerChurned':
      return { ...state, status: 'churned', churnedAt: event.occurredAt };
    case 'CustomerReactivated':
      return { ...state, status: 'active', churnedAt: undefined };
    case 'CustomerPersonalDataErased':
      return { ...state, erased: true };
    case 'CustomerContacted':
    case 'CustomerFeedbackGiven':
    case 'CustomerComplaintOpened':
    case 'CustomerComplaintResolved':
    case 'CustomerConsentGranted':
    case 'CustomerConsentWithdrawn':
    case 'CustomerPreferencesSet':
      return state;
  }
}

export const fold = (events: readonly CustomerEvent[], from: CustomerState = initialState()): CustomerState =>
  events.reduce(evolve, from);

const EVENT_TYPE_OF_COMMAND: Record<CustomerCommand['type'], CustomerEvent['type']> = {
  AcquireCustomer: 'CustomerAcquired',
  RecordContact: 'CustomerContacted',
  RecordPurchase: 'CustomerPurchased',
  RecordReferral: 'CustomerReferred',
  RecordChurn: 'CustomerChurned',
  ErasePersonalData: 'CustomerPersonalDataErased',
};
const eventTypeOf = (command: CustomerCommand): string => EVENT_TYPE_OF_COMMAND[command.type];
