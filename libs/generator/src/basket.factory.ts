import type { CustomerPurchasedData, LineItem } from '@crm/domain';
import { AGE_BANDS, CATEGORIES } from './catalog/categories.data';
import { PURCHASE_CHANNELS } from './catalog/channels.data';
import { COUNTRIES } from './catalog/countries.data';
import type { CustomerSlots } from './customer-slots';
import type { SpendModel } from './lifecycle.options';
import type { SeededRandom } from './random/seeded-random';
import { WeightedChoice } from './random/weighted-choice';

const LINE_COUNTS = new WeightedChoice([1, 2, 3, 4], [55, 25, 12, 8]);
const QUANTITIES = new WeightedChoice([1, 2, 3], [80, 15, 5]);
const SKUS_PER_CATEGORY = 400;

/** The id of the customer's `sequence`-th order (their purchase's, and what feedback and complaints cite). */
export const orderId = (index: number, sequence: number): string => `o-${index + 1}-${sequence}`;

/**
 * Baskets: the transaction's value is Gamma-Gamma (value ~ Gamma(p, nu), in base units), split over 1-4
 * lines; each line's category follows the month's seasonality and the customer's age; prices are converted
 * to the customer's currency and rounded to its minor unit, and the amount is exactly the sum of the lines.
 */
export class BasketFactory {
  /** Category choice per (month, age band). */
  private readonly categories: WeightedChoice<number>[];
  private readonly channels = WeightedChoice.of(PURCHASE_CHANNELS);

  constructor(
    private readonly random: SeededRandom,
    private readonly spend: SpendModel,
  ) {
    this.categories = [];
    for (let month = 0; month < 12; month++) {
      for (let age = 0; age < AGE_BANDS.length; age++) {
        this.categories.push(
          new WeightedChoice(
            CATEGORIES.map((_, i) => i),
            CATEGORIES.map((c) => c.weight * c.season[month] * c.ageTilt[age]),
          ),
        );
      }
    }
  }

  basket(index: number, sequence: number, at: Date, slots: CustomerSlots): CustomerPurchasedData {
    const random = this.random;
    const country = COUNTRIES[slots.country[index]];
    const categories = this.categories[at.getUTCMonth() * AGE_BANDS.length + slots.ageBand[index]];
    const value = random.gamma(this.spend.p, slots.nu[index]);
    const toMinor = country.fx * Math.pow(10, country.minorDigits);

    const lines = LINE_COUNTS.draw(random);
    const shares = new Array<number>(lines);
    let total = 0;
    for (let i = 0; i < lines; i++) total += shares[i] = random.exponential(1);

    const items: LineItem[] = [];
    let amount = 0;
    let category = -1;
    for (let i = 0; i < lines; i++) {
      if (category < 0 || random.chance(0.5)) category = categories.index(random);
      const quantity = QUANTITIES.draw(random);
      const unit = Math.max(1, Math.round((value * shares[i] * toMinor) / total / quantity));
      amount += unit * quantity;
      const data = CATEGORIES[category];
      items.push({
        sku: `${data.skuPrefix}-${1 + Math.floor(SKUS_PER_CATEGORY * Math.pow(random.float(), 2.5))}`,
        category: data.name,
        quantity,
        unitPrice: { minor: unit, currency: country.currency },
      });
    }
    return {
      orderId: orderId(index, sequence),
      amount: { minor: amount, currency: country.currency },
      channel: this.channels.draw(random),
      items,
    };
  }
}
