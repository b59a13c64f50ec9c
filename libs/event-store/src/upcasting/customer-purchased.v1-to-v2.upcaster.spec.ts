import type { RecordedEvent } from '../event-store.port';
import { customerPurchasedV1ToV2 } from './customer-purchased.v1-to-v2.upcaster';
import { CUSTOMER_SCHEMA_VERSIONS, customerUpcasters } from './customer.upcasters';
import { InvalidMajorAmountError, UpcastFailedError } from './upcasting.errors';

const purchase = (data: object, schemaVersion?: number): RecordedEvent => ({
  streamId: 'customer-c-1',
  streamRevision: 1,
  globalPosition: 2n,
  eventId: 'e-purchase',
  type: 'CustomerPurchased',
  occurredAt: '2026-11-20T14:03:00.000Z',
  recordedAt: '2026-11-20T14:03:00.123Z',
  data: data as Record<string, unknown>,
  metadata: (schemaVersion === undefined
    ? { source: 'checkout' }
    : { schemaVersion, source: 'checkout' }) as RecordedEvent['metadata'],
});

/** The upcaster's error for a v1 purchase, or a failure if it did not throw. */
function upcastError(data: object): UpcastFailedError {
  try {
    customerUpcasters.upcast(purchase(data, 1));
  } catch (error) {
    expect(error).toBeInstanceOf(UpcastFailedError);
    return error as UpcastFailedError;
  }
  throw new Error('expected the upcast to fail');
}

describe('CustomerPurchased v1 → v2', () => {
  it('is one step of the customer chain, which makes CustomerPurchased version 2', () => {
    expect(customerPurchasedV1ToV2).toMatchObject({
      eventType: 'CustomerPurchased',
      fromVersion: 1,
      toVersion: 2,
    });
    expect(CUSTOMER_SCHEMA_VERSIONS.CustomerPurchased).toBe(2);
    expect(customerUpcasters.currentVersionOf('CustomerPurchased')).toBe(2);
    expect(customerUpcasters.currentVersionOf('CustomerAcquired')).toBe(1);
  });

  it('turns the documented v1 example into Money on the amount and every unit price', () => {
    const v1 = {
      orderId: 'o-1',
      amount: 25.99,
      currency: 'EUR',
      items: [{ sku: 'A', category: 'books', quantity: 1, unitPrice: 25.99 }],
    };
    const upcast = customerUpcasters.upcast(purchase(v1, 1));
    expect(upcast.data).toEqual({
      orderId: 'o-1',
      amount: { minor: 2599, currency: 'EUR' },
      items: [{ sku: 'A', category: 'books', quantity: 1, unitPrice: { minor: 2599, currency: 'EUR' } }],
    });
    expect(upcast.metadata).toEqual({ schemaVersion: 2, upcastFrom: 1, source: 'checkout' });
    // Only data and metadata change: identity and positions are the recorded ones.
    const { data: _d, metadata: _m, ...rest } = upcast;
    const { data: _d0, metadata: _m0, ...recorded } = purchase(v1, 1);
    expect(rest).toEqual(recorded);
  });

  it('treats an absent schemaVersion as 1', () => {
    const upcast = customerUpcasters.upcast(purchase({ orderId: 'o-2', amount: 10, currency: 'USD' }));
    expect(upcast.data).toEqual({ orderId: 'o-2', amount: { minor: 1000, currency: 'USD' } });
    expect(upcast.metadata).toMatchObject({ schemaVersion: 2, upcastFrom: 1 });
  });

  it.each([
    ['JPY', 1500, 3, 500, 1500, 500],
    ['KWD', 12.345, 2, 6.1725, 12345, 6173],
    ['EUR', 3.015, 3, 1.005, 302, 101],
  ])(
    'uses the minor units of %s (and rounds half up) for the amount and the items',
    (currency, amount, quantity, unitPrice, minor, unitMinor) => {
      const upcast = customerUpcasters.upcast(
        purchase(
          {
            orderId: 'o-3',
            amount,
            currency,
            channel: 'store',
            items: [{ sku: 'S', category: 'c', quantity, unitPrice }],
          },
          1,
        ),
      );
      expect(upcast.data).toEqual({
        orderId: 'o-3',
        amount: { minor, currency },
        channel: 'store',
        items: [{ sku: 'S', category: 'c', quantity, unitPrice: { minor: unitMinor, currency } }],
      });
    },
  );

  it('keeps fields it does not know and never mutates the recorded data', () => {
    const v1 = Object.freeze({
      orderId: 'o-4',
      amount: 5,
      currency: 'GBP',
      coupon: 'SPRING',
      items: Object.freeze([
        Object.freeze({ sku: 'X', category: 'toys', quantity: 2, unitPrice: 2.5, gift: true }),
      ]),
    });
    const before = JSON.stringify(v1);
    const upcast = customerUpcasters.upcast(purchase(v1, 1));
    expect(upcast.data).toEqual({
      orderId: 'o-4',
      amount: { minor: 500, currency: 'GBP' },
      coupon: 'SPRING',
      items: [
        { sku: 'X', category: 'toys', quantity: 2, unitPrice: { minor: 250, currency: 'GBP' }, gift: true },
      ],
    });
    expect(JSON.stringify(v1)).toBe(before);
  });

  it('passes Money through: the API wrote Money under schemaVersion 1 before the version was bumped', () => {
    const written = {
      orderId: 'o-9911',
      amount: { minor: 2599, currency: 'EUR' },
      channel: 'online',
      items: [{ sku: 'BK-1', category: 'books', quantity: 1, unitPrice: { minor: 2599, currency: 'EUR' } }],
    };
    const upcast = customerUpcasters.upcast(purchase(written, 1));
    expect(upcast.data).toEqual(written);
    expect(upcast.metadata).toMatchObject({ schemaVersion: 2, upcastFrom: 1 });
  });

  it('leaves a version 2 event as it is (same object)', () => {
    const v2 = purchase({ orderId: 'o-5', amount: { minor: 100, currency: 'EUR' } }, 2);
    expect(customerUpcasters.upcast(v2)).toBe(v2);
  });

  it.each([
    [{ orderId: 'o', amount: NaN, currency: 'EUR' }, '$.data.amount', /finite number/],
    [{ orderId: 'o', amount: -5, currency: 'EUR' }, '$.data.amount', /negative/],
    [{ orderId: 'o', amount: '25.99', currency: 'EUR' }, '$.data.amount', /finite number/],
    [{ orderId: 'o', currency: 'EUR' }, '$.data.amount', /finite number/],
    [{ orderId: 'o', amount: 25.99 }, '$.data.amount', /ISO 4217/],
    [{ orderId: 'o', amount: 25.99, currency: 'EURO' }, '$.data.amount', /ISO 4217/],
    [
      { orderId: 'o', amount: { minor: 1.5, currency: 'EUR' }, currency: 'EUR' },
      '$.data.amount',
      /finite number/,
    ],
    [
      {
        orderId: 'o',
        amount: 1,
        currency: 'EUR',
        items: [{ sku: 'A', category: 'c', quantity: 1, unitPrice: -1 }],
      },
      '$.data.items[0].unitPrice',
      /negative/,
    ],
    [
      {
        orderId: 'o',
        amount: 1,
        currency: 'EUR',
        items: [{ sku: 'A', category: 'c', quantity: 1, unitPrice: 1 }, {}],
      },
      '$.data.items[1].unitPrice',
      /finite number/,
    ],
    [{ orderId: 'o', amount: 1, currency: 'EUR', items: [null] }, '$.data.items[0]', /must be an object/],
    [{ orderId: 'o', amount: 1, currency: 'EUR', items: 'none' }, '$.data.items', /must be an array/],
  ])('rejects bad v1 data with a typed error naming the event and field: %j', (data, path, message) => {
    const error = upcastError(data);
    expect(error).toMatchObject({
      code: 'UPCAST_FAILED',
      eventType: 'CustomerPurchased',
      eventId: 'e-purchase',
      fromVersion: 1,
      path,
    });
    expect(error.message).toMatch(message);
  });

  it('keeps the conversion error as the cause', () => {
    expect(upcastError({ orderId: 'o', amount: -1, currency: 'EUR' }).cause).toBeInstanceOf(
      InvalidMajorAmountError,
    );
  });
});
