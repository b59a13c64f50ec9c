import type { AcquisitionChannel, ContactChannel } from '@crm/domain';

/**
 * What one contact costs to serve, in base units (roughly US dollars): message fees for e-mail, push and
 * SMS, postage for mail, agent time for chat and phone, an account manager's hour for a meeting. Personal
 * channels vary with the contact's length (an exponential factor of mean 1 around half the base).
 */
export const CONTACT_COST: Readonly<Record<ContactChannel, number>> = {
  email: 0.04,
  push: 0.01,
  sms: 0.08,
  social: 0.3,
  mail: 1.2,
  chat: 3,
  phone: 7.5,
  meeting: 45,
};

export const VARIABLE_COST_CHANNELS: ReadonlySet<ContactChannel> = new Set(['chat', 'phone', 'meeting']);

/**
 * Marketing spend per customer a campaign acquires (CAC), in base units, by acquisition channel: paid
 * channels cost most; e-mail (the house list) and referral rewards least. Campaign-less channels (organic,
 * direct) have no spend.
 */
export const ACQUISITION_COST: Readonly<Partial<Record<AcquisitionChannel, number>>> = {
  paid_search: 48,
  paid_social: 62,
  offline: 85,
  partner: 35,
  email: 6,
  referral: 15,
};
