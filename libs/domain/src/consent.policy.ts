import { CONTACT_CHANNELS, type ConsentPurpose, type ContactChannel } from './customer-events';
import { ConsentRequiredError, ConsentWithdrawnError } from './domain-errors';

/**
 * How a channel treats outbound marketing without a recorded statement of the customer:
 * - `opt-in`: refused until the customer granted consent (and again once they withdraw it);
 * - `opt-out`: allowed until the customer withdraws (objects).
 */
export const CONSENT_MODES = ['opt-in', 'opt-out'] as const;
export type ConsentMode = (typeof CONSENT_MODES)[number];

/** The consent mode of every contact channel. */
export type ConsentPolicy = Readonly<Record<ContactChannel, ConsentMode>>;

/**
 * The lawful default in the EU: unsolicited electronic marketing (e-mail, SMS, push notifications, chat
 * and social messages) needs prior consent under the ePrivacy Directive (art. 13); live phone calls, post
 * and face-to-face meetings may rely on legitimate interest with a right to object (GDPR art. 21), which
 * most member states implement as opt-out (do-not-call registers). README ("Consent") explains the choice.
 */
export const DEFAULT_CONSENT_POLICY: ConsentPolicy = Object.freeze({
  email: 'opt-in',
  sms: 'opt-in',
  push: 'opt-in',
  chat: 'opt-in',
  social: 'opt-in',
  phone: 'opt-out',
  mail: 'opt-out',
  meeting: 'opt-out',
});

/** The key of a consent in the decider's state. */
export const consentKey = (channel: ContactChannel, purpose: ConsentPurpose): string =>
  `${channel}:${purpose}`;

/**
 * Parses `channel:mode` pairs separated by commas (e.g. `email:opt-in,phone:opt-out`) over the default:
 * channels not named keep their default mode. Returns the reason when the text is not such a list.
 */
export function parseConsentPolicy(
  text: string,
  base: ConsentPolicy = DEFAULT_CONSENT_POLICY,
): ConsentPolicy | { readonly error: string } {
  const policy: Record<string, ConsentMode> = { ...base };
  const seen = new Set<string>();
  for (const pair of text.split(',')) {
    const [channel, mode, ...rest] = pair.trim().split(':');
    if (!(CONTACT_CHANNELS as readonly string[]).includes(channel)) {
      return { error: `unknown channel "${channel}" (one of ${CONTACT_CHANNELS.join(', ')})` };
    }
    if (rest.length > 0 || !(CONSENT_MODES as readonly string[]).includes(mode)) {
      return {
        error: `${channel} must be opt-in or opt-out, not "${pair.trim().slice(channel.length + 1)}"`,
      };
    }
    if (seen.has(channel)) return { error: `${channel} is named twice` };
    seen.add(channel);
    policy[channel] = mode as ConsentMode;
  }
  return Object.freeze(policy) as ConsentPolicy;
}

/**
 * What the consent policy says about an outbound marketing contact on `channel`, given the customer's
 * recorded statements (consentKey -> granted true / withdrawn false): undefined when allowed, else the
 * error that refuses it.
 */
export function marketingConsentRefusal(
  customerId: string,
  channel: ContactChannel,
  consents: ReadonlyMap<string, boolean> | undefined,
  policy: ConsentPolicy,
): ConsentRequiredError | ConsentWithdrawnError | undefined {
  const statement = consents?.get(consentKey(channel, 'marketing'));
  if (statement === false) return new ConsentWithdrawnError(customerId, channel);
  if (statement === undefined && policy[channel] !== 'opt-out') {
    return new ConsentRequiredError(customerId, channel);
  }
  return undefined;
}
