import { isMinorUnits, type Money } from '@crm/domain';
import { majorToMinorUnits } from './minor-units.conversion';
import type { EventData, Upcaster } from './upcaster';
import { UpcastFailedError } from './upcasting.errors';

/**
 * CustomerPurchased v1 → v2.
 *
 * v1: `amount` and each item's `unitPrice` are decimal numbers in major units, with one top-level
 * `currency`: {"orderId":"o-1","amount":25.99,"currency":"EUR","items":[{..., "unitPrice":25.99}]}.
 * v2 (current): Money, integer minor units plus currency, on `amount` and on each `unitPrice`; no
 * top-level `currency`. Other fields are kept as they are.
 *
 * A money field that already is Money passes through: before versions were bumped, the API stamped
 * every event with schemaVersion 1 while already writing Money, so "version 1" history holds both shapes.
 */
export const customerPurchasedV1ToV2: Upcaster = {
  eventType: 'CustomerPurchased',
  fromVersion: 1,
  toVersion: 2,
  upcast(data, event) {
    const { amount, currency, items, ...rest } = data;
    // The v1 currency, or the amount's own when the event is already in the Money shape.
    const orderCurrency = currency ?? (isMoney(amount) ? amount.currency : undefined);
    const money = (value: unknown, path: string): Money => {
      if (isMoney(value)) return value;
      try {
        return { minor: majorToMinorUnits(value, orderCurrency), currency: orderCurrency as string };
      } catch (error) {
        throw new UpcastFailedError(event.type, event.eventId, 1, path, error);
      }
    };

    const upcast: Record<string, unknown> = { ...rest, amount: money(amount, '$.data.amount') };
    if (items !== undefined) {
      if (!Array.isArray(items)) {
        throw new UpcastFailedError(event.type, event.eventId, 1, '$.data.items', 'items must be an array');
      }
      upcast.items = items.map((item: unknown, index) => {
        const path = `$.data.items[${index}]`;
        if (typeof item !== 'object' || item === null) {
          throw new UpcastFailedError(event.type, event.eventId, 1, path, 'an item must be an object');
        }
        const { unitPrice, ...fields } = item as EventData;
        return { ...fields, unitPrice: money(unitPrice, `${path}.unitPrice`) };
      });
    }
    return upcast;
  },
};

function isMoney(value: unknown): value is Money {
  if (typeof value !== 'object' || value === null) return false;
  const { minor, currency } = value as Partial<Money>;
  return isMinorUnits(minor) && typeof currency === 'string';
}
