import { PERSONAL_PROFILE_FIELDS, type CustomerEventType } from './customer-events';

/** Where an event type keeps the personal data sealed with the customer's key: fields of `data.profile` or of `data`. */
export interface PersonalDataFields {
  readonly within: 'profile' | 'data';
  readonly fields: readonly string[];
}

const PROFILE: PersonalDataFields = { within: 'profile', fields: PERSONAL_PROFILE_FIELDS };

/**
 * The one list of personal data per event type: the event store seals these fields with the customer's key
 * (crypto-shredding), so erasing the key erases them from every event, and a replay finds them gone.
 * Types not listed keep their personal data, if any, in `data.profile`.
 */
export const PERSONAL_DATA_FIELDS: { readonly [K in CustomerEventType]?: PersonalDataFields } = {
  CustomerAcquired: PROFILE,
  // The free-text comment of a survey answer can say anything about the person; the score is not personal.
  CustomerFeedbackGiven: { within: 'data', fields: ['comment'] },
};

export const personalDataFieldsOf = (type: string): PersonalDataFields =>
  (Object.hasOwn(PERSONAL_DATA_FIELDS, type) ? PERSONAL_DATA_FIELDS[type as CustomerEventType] : undefined) ??
  PROFILE;
