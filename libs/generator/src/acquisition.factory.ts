import type { AcquisitionChannel, CustomerAcquiredData, Gender } from '@crm/domain';
import { PARTNERS, seasonalCampaign } from './catalog/campaigns';
import { AGE_BANDS, INCOME_BANDS } from './catalog/categories.data';
import { ACQUISITION_CHANNEL_WEIGHTS, HIGH_VALUE_CHANNEL_TILT } from './catalog/channels.data';
import { COUNTRIES, type CountryData } from './catalog/countries.data';
import { allowsMarketing, type ConsentFactory } from './consent.factory';
import { NAMES } from './catalog/names.data';
import type { CustomerSlots } from './customer-slots';
import type { LifecycleOptions } from './lifecycle.options';
import type { SeededRandom } from './random/seeded-random';
import { drawIndex, WeightedChoice } from './random/weighted-choice';

const GENDERS = WeightedChoice.of<Gender>([
  ['f', 48],
  ['m', 46],
  ['x', 2],
  ['unknown', 4],
]);
const INCOME_WEIGHTS = [10, 22, 26, 20, 14, 8];
const DEVICES = ['ios', 'android', 'web'] as const;
const EMAIL_DOMAINS = ['example.com', 'example.org', 'example.net'] as const;
/** Income bands from which customers have an account manager (meetings). */
export const ACCOUNT_MANAGED_INCOME = 4;

/** Builds who a new customer is: channel, campaign, profile and attributes, consistent with their latent traits. */
export class AcquisitionFactory {
  private readonly countries: WeightedChoice<number>;
  private readonly channels: WeightedChoice<AcquisitionChannel>;
  private readonly highValueChannels: WeightedChoice<AcquisitionChannel>;
  private readonly ages = new WeightedChoice(
    AGE_BANDS.map((_, i) => i),
    AGE_BANDS.map((band) => band.weight),
  );
  private readonly meanSpend: number;

  constructor(
    private readonly random: SeededRandom,
    private readonly options: LifecycleOptions,
    private readonly consent: ConsentFactory,
  ) {
    const weights = options.countries;
    for (const code of Object.keys(weights ?? {})) {
      if (!COUNTRIES.some((c) => c.code === code)) {
        throw new RangeError(`generator option countries: unknown country ${code}`);
      }
    }
    this.countries = new WeightedChoice(
      COUNTRIES.map((_, i) => i),
      COUNTRIES.map((c) => (weights ? (weights[c.code] ?? 0) : c.weight)),
    );
    this.channels = WeightedChoice.of(ACQUISITION_CHANNEL_WEIGHTS);
    this.highValueChannels = WeightedChoice.of(
      ACQUISITION_CHANNEL_WEIGHTS.map(([c, w]) => [c, w * (HIGH_VALUE_CHANNEL_TILT[c] ?? 1)] as const),
    );
    this.meanSpend = (options.spend.p * options.spend.gamma) / (options.spend.q - 1);
  }

  /** A non-referral channel; frequent buyers come more often through organic, direct and email. */
  channel(frequentBuyer: boolean): AcquisitionChannel {
    return (frequentBuyer ? this.highValueChannels : this.channels).draw(this.random);
  }

  /** Draws the customer's profile into `slots` and returns the CustomerAcquired data. */
  acquired(
    index: number,
    at: Date,
    channel: AcquisitionChannel,
    referredBy: string | undefined,
    slots: CustomerSlots,
  ): CustomerAcquiredData {
    const random = this.random;
    const countryIndex = this.countries.index(random);
    const country = COUNTRIES[countryIndex];
    const ageBand = this.ages.index(random);
    const band = AGE_BANDS[ageBand];
    const income = this.income(slots.nu[index]);
    slots.country[index] = countryIndex;
    slots.ageBand[index] = ageBand;
    slots.income[index] = income;

    const names = NAMES[country.names];
    const first = random.pick(names.first);
    const last = random.pick(names.last);
    const campaign = this.campaign(channel, at);
    const phone = random.chance(0.7) ? this.phone(country) : undefined;
    const { consents, mask } = this.consent.signup(phone !== undefined, income >= ACCOUNT_MANAGED_INCOME);
    slots.consents[index] = mask;
    return {
      channel,
      ...(campaign ? { campaign } : {}),
      ...(referredBy ? { referredBy } : {}),
      profile: {
        name: `${first} ${last}`,
        email: `${first}.${last.replace(/ /g, '')}${index + 1}@${random.pick(EMAIL_DOMAINS)}`.toLowerCase(),
        ...(phone ? { phone } : {}),
        country: country.code,
        city: random.pick(country.cities),
        birthYear: at.getUTCFullYear() - (band.min + random.int(band.max - band.min + 1)),
        gender: GENDERS.draw(random),
        incomeBand: INCOME_BANDS[income],
      },
      attributes: {
        preferredLanguage: country.names,
        device: random.pick(DEVICES),
        marketingOptIn: allowsMarketing(mask, 'email'),
        loyaltyMember: random.chance(0.3),
      },
      ...(consents.length > 0 ? { consents } : {}),
    };
  }

  /** Income band, tilted by the customer's expected spend per transaction (big spenders earn more). */
  private income(nu: number): number {
    const relativeSpend = this.options.spend.p / nu / this.meanSpend;
    const weights = INCOME_WEIGHTS.map((w, i) => w * Math.pow(relativeSpend, 0.35 * (i - 2.5)));
    return drawIndex(this.random, weights);
  }

  private phone(country: CountryData): string {
    const digits = String(1_000_000_000 + this.random.int(999_999_999)).slice(1);
    return `+${country.callingCode} ${digits.slice(0, 3)} ${digits.slice(3)}`;
  }

  private campaign(channel: AcquisitionChannel, at: Date): string | undefined {
    switch (channel) {
      case 'paid_search':
        return seasonalCampaign('search-', at);
      case 'paid_social':
        return seasonalCampaign('social-', at);
      case 'email':
        return seasonalCampaign('newsletter-', at);
      case 'partner':
        return `partner-${this.random.pick(PARTNERS)}`;
      case 'offline':
        return `store-event-${at.getUTCFullYear()}-q${Math.floor(at.getUTCMonth() / 3) + 1}`;
      case 'referral':
        return 'refer-a-friend';
      default:
        return undefined;
    }
  }
}
