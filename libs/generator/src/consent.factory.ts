import {
  CONTACT_CHANNELS,
  type ConsentPurpose,
  type ConsentScope,
  type ContactChannel,
  type ContactFrequency,
  type CustomerConsentGrantedData,
  type CustomerPreferencesSetData,
} from '@crm/domain';
import { CATEGORIES } from './catalog/categories.data';
import { MARKETING_CHANNELS, RETENTION_CHANNELS } from './catalog/channels.data';
import {
  CHANGEABLE_CONSENTS,
  consentBit,
  CONSENT_SOURCES_LATER,
  MASKED_PURPOSES,
  SIGNUP_MARKETING_CONSENTS,
  SIGNUP_SURVEY_SHARE,
} from './catalog/consent.data';
import type { CountryData } from './catalog/countries.data';
import type { ConsentModel } from './lifecycle.options';
import type { SeededRandom } from './random/seeded-random';
import { WeightedChoice } from './random/weighted-choice';

const FREQUENCIES = WeightedChoice.of<ContactFrequency>([
  ['weekly', 28],
  ['monthly', 44],
  ['quarterly', 16],
  ['daily', 3],
  ['never', 9],
]);
const CHANGEABLE = WeightedChoice.of(CHANGEABLE_CONSENTS);
const MARKETING_BITS = 0xff;

/** A consent change: a grant where the customer had none, a withdrawal where they had one. */
export interface ConsentChange {
  readonly granted: boolean;
  readonly data: CustomerConsentGrantedData;
}

/**
 * Consents and preferences: what a new customer agrees to, later changes, and the channels marketing may use
 * given the consents held (a choice per consent mask, built once per mask).
 */
export class ConsentFactory {
  private readonly marketing = new Map<number, WeightedChoice<ContactChannel> | null>();
  private readonly retention = new Map<number, WeightedChoice<ContactChannel> | null>();

  constructor(
    private readonly random: SeededRandom,
    private readonly model: ConsentModel,
  ) {}

  /** The consents given at sign-up, and their mask. */
  signup(hasPhone: boolean, accountManaged: boolean): { consents: ConsentScope[]; mask: number } {
    const random = this.random;
    const { emailShare, smsShare } = this.model;
    const consents: ConsentScope[] = [];
    let mask = 0;
    const add = (channel: ContactChannel, purpose: ConsentPurpose) => {
      consents.push({ channel, purpose });
      mask |= consentBit(channel, purpose);
    };
    const email = random.chance(emailShare);
    if (email) add('email', 'marketing');
    if (random.chance(email ? SIGNUP_SURVEY_SHARE : SIGNUP_SURVEY_SHARE / 3)) add('email', 'survey');
    if (hasPhone && random.chance(smsShare)) add('sms', 'marketing');
    for (const [channel, relative] of SIGNUP_MARKETING_CONSENTS) {
      if (channel === 'phone' && !hasPhone) continue;
      if (random.chance(relative * emailShare)) add(channel, 'marketing');
    }
    if (accountManaged && random.chance(0.6)) add('meeting', 'marketing');
    return { consents, mask };
  }

  /** A preference-centre change: flips one marketing or survey consent. */
  change(mask: number): ConsentChange & { mask: number } {
    const random = this.random;
    const channel = CHANGEABLE.draw(random);
    const purpose: ConsentPurpose = random.chance(0.8) ? 'marketing' : 'survey';
    const bit = consentBit(channel, purpose);
    const source = random.pick(CONSENT_SOURCES_LATER);
    return { granted: (mask & bit) === 0, data: { channel, purpose, source }, mask: mask ^ bit };
  }

  preferences(mask: number, country: CountryData): CustomerPreferencesSetData {
    const random = this.random;
    const frequency = FREQUENCIES.draw(random);
    const preferred = this.marketingChannel(mask, false);
    const categories = new Set<string>();
    for (let n = 1 + random.int(3); categories.size < n;) categories.add(random.pick(CATEGORIES).name);
    return {
      ...(preferred ? { preferredChannel: preferred } : {}),
      language: `${country.names}-${country.code}`,
      contactFrequency: frequency,
      ...(random.chance(0.7) ? { categories: [...categories] } : {}),
    };
  }

  /** A marketing channel the customer consented to, in the usual mix; undefined when there is none. */
  marketingChannel(mask: number, accountManaged: boolean): ContactChannel | undefined {
    const key = (mask & MARKETING_BITS) | (accountManaged ? 0x100 : 0);
    return this.consentedChannel(this.marketing, key, MARKETING_CHANNELS, mask, accountManaged);
  }

  /** A win-back channel the customer consented to, or undefined. */
  retentionChannel(mask: number): ContactChannel | undefined {
    return this.consentedChannel(this.retention, mask & MARKETING_BITS, RETENTION_CHANNELS, mask, true);
  }

  /**
   * Draws among `channels` those with marketing consent in `mask` (meetings only with `meetings`), the choice
   * built once per cache key; undefined when none is allowed.
   */
  private consentedChannel(
    cache: Map<number, WeightedChoice<ContactChannel> | null>,
    key: number,
    channels: readonly (readonly [ContactChannel, number])[],
    mask: number,
    meetings: boolean,
  ): ContactChannel | undefined {
    let choice = cache.get(key);
    if (choice === undefined) {
      const allowed = channels.filter(([c]) => allowsMarketing(mask, c) && (meetings || c !== 'meeting'));
      choice = allowed.length > 0 ? WeightedChoice.of(allowed) : null;
      cache.set(key, choice);
    }
    return choice?.draw(this.random);
  }
}

export const allowsSurvey = (mask: number, channel: ContactChannel): boolean =>
  (mask & consentBit(channel, 'survey')) !== 0;

export const allowsMarketing = (mask: number, channel: ContactChannel): boolean =>
  (mask & consentBit(channel, 'marketing')) !== 0;

/** The scopes a mask holds (for tests and the decider's state). */
export const consentsOf = (mask: number): ConsentScope[] =>
  CONTACT_CHANNELS.flatMap((channel) =>
    MASKED_PURPOSES.filter((purpose) => (mask & consentBit(channel, purpose)) !== 0).map((purpose) => ({
      channel,
      purpose,
    })),
  );
