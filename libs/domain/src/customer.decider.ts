import {
  consentKey,
  DEFAULT_CONSENT_POLICY,
  marketingConsentRefusal,
  type ConsentPolicy,
} from './consent.policy';
import type { CustomerCommand } from './customer-commands';
import type { CustomerEvent, CustomerEventOf } from './customer-events';
import {
  ChurnedCustomerContactError,
  ComplaintAlreadyOpenedError,
  ComplaintAlreadyResolvedError,
  ComplaintNotFoundError,
  CustomerAlreadyAcquiredError,
  CustomerAlreadyChurnedError,
  CustomerNotAcquiredError,
  DuplicateOrderError,
  DuplicateReferralError,
  InvalidMoneyError,
  PersonalDataAlreadyErasedError,
  PersonalDataErasedError,
  SelfReferralError,
} from './domain-errors';
import { deriveEventId } from './event-id';
import { scoreOutOfScale } from './feedback.rules';
import { isValidMoney } from './money';
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
  /**
   * The customer's consent statements by consentKey (channel:purpose): true granted, false withdrawn. Absent
   * or without the key: no statement, so the consent policy's mode for the channel decides.
   */
  readonly consents?: ReadonlyMap<string, boolean>;
  /** Complaints by complaintId: opened once, resolved once. Absent: none. */
  readonly complaints?: ReadonlyMap<string, 'open' | 'resolved'>;
}

export const initialState = (): CustomerState => ({
  status: 'unknown',
  orderIds: new Set(),
  referred: new Set(),
  erased: false,
});

/** Contacts a churned customer may still receive: win-back and exit surveys. */
const CONTACT_PURPOSES_AFTER_CHURN: ReadonlySet<string> = new Set(['retention', 'survey']);

/**
 * The events a command records, or the DomainError of the rule it breaks. `policy`: the consent mode of
 * each channel (configured as CONSENT_POLICY), an argument so that decide stays a pure function.
 */
export function decide(
  command: CustomerCommand,
  state: CustomerState,
  policy: ConsentPolicy = DEFAULT_CONSENT_POLICY,
): CustomerEvent[] {
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
      if (command.data.direction === 'outbound' && command.data.purpose === 'marketing') {
        const refusal = marketingConsentRefusal(customerId, command.data.channel, state.consents, policy);
        if (refusal) throw refusal;
      }
      if (command.data.cost !== undefined && !isValidMoney(command.data.cost)) {
        throw new InvalidMoneyError('data.cost');
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

    // Satisfaction, complaints, consent and preferences are accepted from churned customers too: an exit
    // survey, a complaint about the last order, a withdrawal must all be recorded whatever the status.
    case 'RecordFeedback': {
      const outOfScale = scoreOutOfScale(command.data);
      if (outOfScale) throw outOfScale;
      if (state.erased && command.data.comment !== undefined) {
        throw new PersonalDataErasedError(customerId, 'data.comment');
      }
      return [{ type: 'CustomerFeedbackGiven', eventId, occurredAt, data: command.data }];
    }

    case 'OpenComplaint':
      if (state.complaints?.has(command.data.complaintId)) {
        throw new ComplaintAlreadyOpenedError(customerId, command.data.complaintId);
      }
      return [{ type: 'CustomerComplaintOpened', eventId, occurredAt, data: command.data }];

    case 'ResolveComplaint': {
      const complaint = state.complaints?.get(command.data.complaintId);
      if (complaint === undefined) throw new ComplaintNotFoundError(customerId, command.data.complaintId);
      if (complaint === 'resolved') {
        throw new ComplaintAlreadyResolvedError(customerId, command.data.complaintId);
      }
      if (command.data.compensation !== undefined && !isValidMoney(command.data.compensation)) {
        throw new InvalidMoneyError('data.compensation');
      }
      return [{ type: 'CustomerComplaintResolved', eventId, occurredAt, data: command.data }];
    }

    case 'GrantConsent':
      return [{ type: 'CustomerConsentGranted', eventId, occurredAt, data: command.data }];

    case 'WithdrawConsent':
      return [{ type: 'CustomerConsentWithdrawn', eventId, occurredAt, data: command.data }];

    case 'SetPreferences':
      return [{ type: 'CustomerPreferencesSet', eventId, occurredAt, data: command.data }];

    case 'ErasePersonalData':
      if (state.erased) throw new PersonalDataAlreadyErasedError(customerId);
      return [{ type: 'CustomerPersonalDataErased', eventId, occurredAt, data: command.data }];
  }
}

export function evolve(state: CustomerState, event: CustomerEvent): CustomerState {
  switch (event.type) {
    case 'CustomerAcquired': {
      const granted = event.data.consents ?? [];
      if (granted.length === 0) return { ...state, status: 'active' };
      const consents = new Map(state.consents);
      for (const c of granted) consents.set(consentKey(c.channel, c.purpose), true);
      return { ...state, status: 'active', consents };
    }
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
    case 'CustomerConsentGranted':
    case 'CustomerConsentWithdrawn': {
      const consents = new Map(state.consents);
      consents.set(
        consentKey(event.data.channel, event.data.purpose),
        event.type === 'CustomerConsentGranted',
      );
      return { ...state, consents };
    }
    case 'CustomerComplaintOpened':
    case 'CustomerComplaintResolved': {
      const complaints = new Map(state.complaints);
      complaints.set(event.data.complaintId, event.type === 'CustomerComplaintOpened' ? 'open' : 'resolved');
      return { ...state, complaints };
    }
    case 'CustomerContacted':
    case 'CustomerFeedbackGiven':
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
  RecordFeedback: 'CustomerFeedbackGiven',
  OpenComplaint: 'CustomerComplaintOpened',
  ResolveComplaint: 'CustomerComplaintResolved',
  GrantConsent: 'CustomerConsentGranted',
  WithdrawConsent: 'CustomerConsentWithdrawn',
  SetPreferences: 'CustomerPreferencesSet',
  ErasePersonalData: 'CustomerPersonalDataErased',
};
const eventTypeOf = (command: CustomerCommand): string => EVENT_TYPE_OF_COMMAND[command.type];
