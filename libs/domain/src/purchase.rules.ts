import type { CustomerPurchasedData } from './customer-events';
import { CurrencyMismatchError } from './domain-errors';

/**
 * A purchase's line items are priced in the order's currency: a basket in two currencies has no total.
 * One error per item that is not (its field path is relative to the event). The decider refuses such a
 * purchase with the first; the publish validation lists them all, so a publisher fixes them in one round.
 */
export function lineItemCurrencyMismatches(data: CustomerPurchasedData): CurrencyMismatchError[] {
  const currency = data.amount.currency;
  const mismatches: CurrencyMismatchError[] = [];
  data.items?.forEach((item, i) => {
    if (item.unitPrice.currency !== currency) mismatches.push(new CurrencyMismatchError(i, currency));
  });
  return mismatches;
}
