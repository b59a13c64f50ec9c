import { CONTACT_CHANNELS, type ContactChannel, type Money } from '@crm/domain';
import { CHANNEL_INDEX } from './catalog/consent.data';
import { CONTACT_COST, VARIABLE_COST_CHANNELS } from './catalog/costs.data';
import { COUNTRIES, localMoney } from './catalog/countries.data';
import type { SeededRandom } from './random/seeded-random';

/** What a contact costs to serve, in the customer's currency (CONTACT_COST converted and rounded). */
export class ContactCosts {
  /** Fixed-cost channels: one Money per (country, channel), shared by every contact. */
  private readonly fixed: (Money | undefined)[] = [];

  constructor(private readonly random: SeededRandom) {}

  of(channel: ContactChannel, country: number): Money {
    if (!VARIABLE_COST_CHANNELS.has(channel)) {
      const key = country * CONTACT_CHANNELS.length + CHANNEL_INDEX[channel];
      let money = this.fixed[key];
      if (money === undefined) {
        money = localMoney(CONTACT_COST[channel], COUNTRIES[country]);
        this.fixed[key] = money;
      }
      return money;
    }
    return localMoney(CONTACT_COST[channel] * (0.5 + this.random.exponential(0.5)), COUNTRIES[country]);
  }
}
