import type {
  CustomerAcquiredData,
  CustomerChurnedData,
  CustomerComplaintOpenedData,
  CustomerComplaintResolvedData,
  CustomerConsentGrantedData,
  CustomerConsentWithdrawnData,
  CustomerContactedData,
  CustomerFeedbackGivenData,
  CustomerPersonalDataErasedData,
  CustomerPreferencesSetData,
  CustomerPurchasedData,
  CustomerReferredData,
  PublishableEventType,
} from './customer-events';

interface CommandBase<T extends string, D> {
  readonly type: T;
  readonly customerId: string;
  /** The idempotency key of the fact being recorded; becomes the event's id. */
  readonly eventId: string;
  readonly occurredAt: string;
  readonly data: D;
}

export type AcquireCustomer = CommandBase<'AcquireCustomer', CustomerAcquiredData>;
export type RecordContact = CommandBase<'RecordContact', CustomerContactedData>;
export type RecordPurchase = CommandBase<'RecordPurchase', CustomerPurchasedData>;
export type RecordReferral = CommandBase<'RecordReferral', CustomerReferredData>;
export type RecordChurn = CommandBase<'RecordChurn', CustomerChurnedData>;
export type RecordFeedback = CommandBase<'RecordFeedback', CustomerFeedbackGivenData>;
export type OpenComplaint = CommandBase<'OpenComplaint', CustomerComplaintOpenedData>;
export type ResolveComplaint = CommandBase<'ResolveComplaint', CustomerComplaintResolvedData>;
export type GrantConsent = CommandBase<'GrantConsent', CustomerConsentGrantedData>;
export type WithdrawConsent = CommandBase<'WithdrawConsent', CustomerConsentWithdrawnData>;
export type SetPreferences = CommandBase<'SetPreferences', CustomerPreferencesSetData>;

/** Right to erasure: never published by a service, issued by an administrator through the API. */
export type ErasePersonalData = CommandBase<'ErasePersonalData', CustomerPersonalDataErasedData>;

export type CustomerCommand =
  | AcquireCustomer
  | RecordContact
  | RecordPurchase
  | RecordReferral
  | RecordChurn
  | RecordFeedback
  | OpenComplaint
  | ResolveComplaint
  | GrantConsent
  | WithdrawConsent
  | SetPreferences
  | ErasePersonalData;

const COMMAND_FOR_EVENT: Record<PublishableEventType, CustomerCommand['type']> = {
  CustomerAcquired: 'AcquireCustomer',
  CustomerContacted: 'RecordContact',
  CustomerPurchased: 'RecordPurchase',
  CustomerReferred: 'RecordReferral',
  CustomerChurned: 'RecordChurn',
  CustomerFeedbackGiven: 'RecordFeedback',
  CustomerComplaintOpened: 'OpenComplaint',
  CustomerComplaintResolved: 'ResolveComplaint',
  CustomerConsentGranted: 'GrantConsent',
  CustomerConsentWithdrawn: 'WithdrawConsent',
  CustomerPreferencesSet: 'SetPreferences',
};

/** Services publish facts (events); the decider sees each as the command "record this fact". */
export function commandForPublishedEvent(published: {
  type: PublishableEventType;
  customerId: string;
  eventId: string;
  occurredAt: string;
  data: unknown;
}): CustomerCommand {
  return {
    type: COMMAND_FOR_EVENT[published.type],
    customerId: published.customerId,
    eventId: published.eventId,
    occurredAt: published.occurredAt,
    data: published.data,
  } as CustomerCommand;
}
