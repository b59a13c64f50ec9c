import type {
  AcquireCustomer,
  CustomerCommand,
  ErasePersonalData,
  RecordChurn,
  RecordContact,
  RecordPurchase,
  RecordReferral,
} from './customer-commands';
import type { CustomerEvent } from './customer-events';
import { decide, fold, initialState } from './customer.decider';
import {
  ChurnedCustomerContactError,
  CustomerAlreadyAcquiredError,
  CurrencyMismatchError,
  CustomerAlreadyChurnedError,
  CustomerNotAcquiredError,
  DomainError,
  DuplicateOrderError,
  DuplicateReferralError,
  PersonalDataAlreadyErasedError,
  SelfReferralError,
} from './domain-errors';
import { deriveEventId } from './event-id';

const at = '2026-01-10T10:00:00.000Z';
const acquired: CustomerEvent = {
  type: 'CustomerAcquired',
  eventId: 'e-acq',
  occurredAt: at,
  data: { channel: 'organic', profile: { country: 'IT' } },
};
const purchased = (orderId: string, eventId = `e-${orderId}`): CustomerEvent => ({
  type: 'CustomerPurchased',
  eventId,
  occurredAt: at,
  data: { orderId, amount: { minor: 2599, currency: 'EUR' } },
});
const churned: CustomerEvent = {
  type: 'CustomerChurned',
  eventId: 'e-churn',
  occurredAt: '2026-03-01T00:00:00.000Z',
  data: { reason: 'price', voluntary: true },
};

const cmd = <C extends CustomerCommand>(c: Omit<C, 'customerId' | 'occurredAt'>): C =>
  ({ customerId: 'c-1', occurredAt: at, ...c }) as C;
const acquire = cmd<AcquireCustomer>({
  type: 'AcquireCustomer',
  eventId: 'e-2',
  data: { channel: 'email', profile: {} },
});
const contact = (purpose: 'sales' | 'retention' | 'survey' | 'marketing') =>
  cmd<RecordContact>({
    type: 'RecordContact',
    eventId: 'e-c',
    data: { channel: 'email', direction: 'outbound', purpose },
  });
const purchase = (orderId: string) =>
  cmd<RecordPurchase>({
    type: 'RecordPurchase',
    eventId: 'e-p',
    data: { orderId, amount: { minor: 100, currency: 'EUR' } },
  });
const refer = (referredCustomerId: string) =>
  cmd<RecordReferral>({
    type: 'RecordReferral',
    eventId: 'e-r',
    data: { referredCustomerId, channel: 'link' },
  });
const churn = cmd<RecordChurn>({
  type: 'RecordChurn',
  eventId: 'e-ch',
  data: { reason: 'service', voluntary: false },
});
const erase = cmd<ErasePersonalData>({
  type: 'ErasePersonalData',
  eventId: 'e-er',
  data: { fields: ['name', 'email', 'phone', 'city'] },
});
const erased: CustomerEvent = {
  type: 'CustomerPersonalDataErased',
  eventId: 'e-er0',
  occurredAt: at,
  data: { fields: ['name', 'email', 'phone', 'city'] },
};

/** given past events, when a command, then these events (or this typed error). */
function given(events: CustomerEvent[]) {
  return {
    when: (command: CustomerCommand) => ({
      then: (expected: CustomerEvent[]) => expect(decide(command, fold(events))).toEqual(expected),
      thenFails: (errorType: new (...args: never[]) => DomainError, code: string) => {
        let caught: unknown;
        try {
          decide(command, fold(events));
        } catch (error) {
          caught = error;
        }
        expect(caught).toBeInstanceOf(errorType);
        expect((caught as DomainError).code).toBe(code);
      },
    }),
  };
}

describe('customer decider', () => {
  describe('acquisition', () => {
    it('acquires a new customer', () =>
      given([])
        .when(acquire)
        .then([{ type: 'CustomerAcquired', eventId: 'e-2', occurredAt: at, data: acquire.data }]));

    it('acquires a customer only once', () =>
      given([acquired]).when(acquire).thenFails(CustomerAlreadyAcquiredError, 'CUSTOMER_ALREADY_ACQUIRED'));

    it('does not acquire a churned customer again (they reactivate by purchasing)', () =>
      given([acquired, churned])
        .when(acquire)
        .thenFails(CustomerAlreadyAcquiredError, 'CUSTOMER_ALREADY_ACQUIRED'));

    it('refuses a customer referred by themselves', () =>
      given([])
        .when(
          cmd<AcquireCustomer>({
            type: 'AcquireCustomer',
            eventId: 'e',
            data: { channel: 'referral', referredBy: 'c-1', profile: {} },
          }),
        )
        .thenFails(SelfReferralError, 'SELF_REFERRAL'));
  });

  describe('nothing before CustomerAcquired', () => {
    it.each([
      ['a contact', contact('sales')],
      ['a purchase', purchase('o-1')],
      ['a referral', refer('c-2')],
      ['a churn', churn],
      ['an erasure', erase],
    ])('refuses %s for an unknown customer', (_label, command) =>
      given([]).when(command).thenFails(CustomerNotAcquiredError, 'CUSTOMER_NOT_ACQUIRED'),
    );
  });

  describe('contacts', () => {
    it('records a contact with an active customer', () =>
      given([acquired])
        .when(contact('sales'))
        .then([{ type: 'CustomerContacted', eventId: 'e-c', occurredAt: at, data: contact('sales').data }]));

    it.each(['sales', 'marketing'] as const)('refuses a %s contact with a churned customer', (purpose) =>
      given([acquired, churned])
        .when(contact(purpose))
        .thenFails(ChurnedCustomerContactError, 'CUSTOMER_CHURNED'),
    );

    it.each(['retention', 'survey'] as const)('allows a %s contact with a churned customer', (purpose) =>
      given([acquired, churned])
        .when(contact(purpose))
        .then([{ type: 'CustomerContacted', eventId: 'e-c', occurredAt: at, data: contact(purpose).data }]),
    );
  });

  describe('purchases', () => {
    it('records a purchase of an active customer', () =>
      given([acquired])
        .when(purchase('o-9'))
        .then([{ type: 'CustomerPurchased', eventId: 'e-p', occurredAt: at, data: purchase('o-9').data }]));

    it('refuses the same order under another event id', () =>
      given([acquired, purchased('o-1')])
        .when(purchase('o-1'))
        .thenFails(DuplicateOrderError, 'DUPLICATE_ORDER'));

    it('refuses line items priced in another currency than the order, naming the first such item', () => {
      const mixed = cmd<RecordPurchase>({
        type: 'RecordPurchase',
        eventId: 'e-p',
        data: {
          orderId: 'o-7',
          amount: { minor: 300, currency: 'EUR' },
          items: [
            { sku: 'A', category: 'books', quantity: 1, unitPrice: { minor: 100, currency: 'EUR' } },
            { sku: 'B', category: 'books', quantity: 1, unitPrice: { minor: 200, currency: 'USD' } },
          ],
        },
      });
      given([acquired]).when(mixed).thenFails(CurrencyMismatchError, 'CURRENCY_MISMATCH');
      expect(() => decide(mixed, fold([acquired]))).toThrow(
        expect.objectContaining({ field: 'data.items[1].unitPrice.currency' }),
      );
    });
    it('reactivates a churned customer who purchases, then records the purchase', () =>
      given([acquired, churned])
        .when(purchase('o-2'))
        .then([
          {
            type: 'CustomerReactivated',
            eventId: deriveEventId('e-p', 'CustomerReactivated'),
            occurredAt: at,
            data: { triggeredBy: 'e-p', churnedAt: churned.occurredAt },
          },
          { type: 'CustomerPurchased', eventId: 'e-p', occurredAt: at, data: purchase('o-2').data },
        ]));

    it('does not reactivate a customer who is active again', () => {
      const reactivated = decide(purchase('o-2'), fold([acquired, churned]));
      given([acquired, churned, ...reactivated])
        .when(purchase('o-3'))
        .then([{ type: 'CustomerPurchased', eventId: 'e-p', occurredAt: at, data: purchase('o-3').data }]);
    });
  });

  describe('referrals', () => {
    it('records a referral', () =>
      given([acquired])
        .when(refer('c-2'))
        .then([{ type: 'CustomerReferred', eventId: 'e-r', occurredAt: at, data: refer('c-2').data }]));

    it('refuses a customer referring themselves', () =>
      given([acquired]).when(refer('c-1')).thenFails(SelfReferralError, 'SELF_REFERRAL'));

    it('refuses referring the same customer twice', () =>
      given([
        acquired,
        { type: 'CustomerReferred', eventId: 'r0', occurredAt: at, data: { referredCustomerId: 'c-2' } },
      ])
        .when(refer('c-2'))
        .thenFails(DuplicateReferralError, 'DUPLICATE_REFERRAL'));

    it('records a referral known only by its code', () => {
      const byCode = cmd<RecordReferral>({
        type: 'RecordReferral',
        eventId: 'e-r',
        data: { referralCode: 'FRIEND-1' },
      });
      given([acquired])
        .when(byCode)
        .then([{ type: 'CustomerReferred', eventId: 'e-r', occurredAt: at, data: byCode.data }]);
    });
  });

  describe('churn', () => {
    it('records the churn of an active customer', () =>
      given([acquired])
        .when(churn)
        .then([{ type: 'CustomerChurned', eventId: 'e-ch', occurredAt: at, data: churn.data }]));

    it('refuses churning a churned customer again', () =>
      given([acquired, churned])
        .when(churn)
        .thenFails(CustomerAlreadyChurnedError, 'CUSTOMER_ALREADY_CHURNED'));

    it('lets a reactivated customer churn again', () => {
      const back = decide(purchase('o-5'), fold([acquired, churned]));
      given([acquired, churned, ...back])
        .when(churn)
        .then([{ type: 'CustomerChurned', eventId: 'e-ch', occurredAt: at, data: churn.data }]);
    });
  });

  describe('right to erasure', () => {
    it('erases the personal data of an acquired customer', () =>
      given([acquired, purchased('o-1')])
        .when(erase)
        .then([{ type: 'CustomerPersonalDataErased', eventId: 'e-er', occurredAt: at, data: erase.data }]));

    it('erases a churned customer too (erasure is not a lifecycle step)', () =>
      given([acquired, churned])
        .when(erase)
        .then([{ type: 'CustomerPersonalDataErased', eventId: 'e-er', occurredAt: at, data: erase.data }]));

    it('refuses erasing twice', () =>
      given([acquired, erased])
        .when(erase)
        .thenFails(PersonalDataAlreadyErasedError, 'PERSONAL_DATA_ALREADY_ERASED'));

    it('keeps recording the lifecycle of an erased customer', () =>
      given([acquired, erased])
        .when(purchase('o-9'))
        .then([{ type: 'CustomerPurchased', eventId: 'e-p', occurredAt: at, data: purchase('o-9').data }]));
  });

  describe('evolve', () => {
    it('starts unknown and folds the lifecycle', () => {
      expect(initialState().status).toBe('unknown');
      expect(fold([acquired]).status).toBe('active');
      expect(fold([acquired, churned])).toMatchObject({ status: 'churned', churnedAt: churned.occurredAt });
      expect(fold([acquired, purchased('a'), purchased('b')]).orderIds).toEqual(new Set(['a', 'b']));
      expect(fold([acquired]).erased).toBe(false);
      expect(fold([acquired, erased]).erased).toBe(true);
    });

    it('does not mutate the state it is given', () => {
      const before = fold([acquired]);
      fold([purchased('x')], before);
      expect(before.orderIds.size).toBe(0);
    });
  });

  it('derives stable UUID v5 ids for decider-emitted events', () => {
    const id = deriveEventId('0b8f8a1e-6d3c-4a7e-9a51-3f1d2c4b5a60', 'CustomerReactivated');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deriveEventId('0b8f8a1e-6d3c-4a7e-9a51-3f1d2c4b5a60', 'CustomerReactivated')).toBe(id);
    expect(deriveEventId('another', 'CustomerReactivated')).not.toBe(id);
  });
});
