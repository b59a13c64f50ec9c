import { CONTACT_CHANNELS, type ConsentPurpose, type ContactChannel } from '@crm/domain';

/**
 * A customer's consents as a bit mask (one Uint16 per customer): bit c is marketing on CONTACT_CHANNELS[c],
 * bit 8 + c surveys on it. Only these two purposes govern what the generator sends.
 */
export const CHANNEL_INDEX: Readonly<Record<ContactChannel, number>> = Object.fromEntries(
  CONTACT_CHANNELS.map((c, i) => [c, i]),
) as Record<ContactChannel, number>;

export const consentBit = (channel: ContactChannel, purpose: ConsentPurpose): number =>
  purpose === 'survey' ? 1 << (8 + CHANNEL_INDEX[channel]) : 1 << CHANNEL_INDEX[channel];

/** The purposes the mask records (others are never generated). */
export const MASKED_PURPOSES = ['marketing', 'survey'] as const;

/**
 * Sign-up consent rates relative to e-mail marketing's (ConsentModel.emailShare), by channel: those that need
 * a phone number are drawn only when the profile has one; meetings only for account-managed customers.
 */
export const SIGNUP_MARKETING_CONSENTS: readonly (readonly [ContactChannel, number])[] = [
  ['push', 0.45],
  ['mail', 0.5],
  ['social', 0.3],
  ['phone', 0.25],
];

/** Of those with e-mail marketing consent, the share who also agree to e-mail surveys; others less. */
export const SIGNUP_SURVEY_SHARE = 0.8;

/** Channels a preference-centre change touches, with how often. */
export const CHANGEABLE_CONSENTS: readonly (readonly [ContactChannel, number])[] = [
  ['email', 45],
  ['sms', 20],
  ['push', 15],
  ['mail', 10],
  ['phone', 5],
  ['social', 5],
];

export const CONSENT_SOURCES_LATER = ['preference-centre', 'checkout', 'support-call', 'app-settings'];
