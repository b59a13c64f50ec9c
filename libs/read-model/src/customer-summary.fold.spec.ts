import { evolveCustomer, foldCustomerSummary, initialCustomerState } from './customer-summary.fold';
import { MalformedEventError } from './read-model.errors';
import { stream } from './testing/read-model.harness';

describe('the Customer 360 rule (evolveCustomer)', () => {
  it('given a churned customer, a reactivation and a purchase make them active again', () => {
    const s = stream('c-1')
      .add('CustomerAcquired', { channel: 'organic', profile: { name: 'Ada' } }, '2026-01-01T00:00:00Z')
      .add('CustomerPurchased', { orderId: 'o-1', amount: { minor: 500, currency: 'EUR' } })
      .add('CustomerChurned', { reason: 'price', voluntary: true }, '2026-03-01T00:00:00Z');
    expect(foldCustomerSummary(s.events)).toMatchObject({ stage: 'churned', churnReason: 'price' });

    s.add('CustomerReactivated', {}).add('CustomerPurchased', {
      orderId: 'o-2',
      amount: { minor: 250, currency: 'EUR' },
    });
    expect(foldCustomerSummary(s.events)).toMatchObject({
      stage: 'active',
      reactivatedCount: 1,
      churnedAt: '2026-03-01T00:00:00.000Z',
      purchasesCount: 2,
      spend: [{ currency: 'EUR', totalMinor: 750, purchases: 2 }],
      streamRevision: 4,
    });
  });

  it('given a churned customer, a purchase without a reactivation (an import) leaves them churned', () => {
    const s = stream('c-1')
      .add('CustomerAcquired', { channel: 'organic', profile: {} })
      .add('CustomerChurned', { reason: 'moved' })
      .add('CustomerPurchased', { orderId: 'o-1', amount: { minor: 1, currency: 'USD' } });
    expect(foldCustomerSummary(s.events)).toMatchObject({ stage: 'churned', purchasesCount: 1 });
  });

  it('rejects a purchase without an integer amount and leaves the state as it was', () => {
    const [acquired, bad] = stream('c-1')
      .add('CustomerAcquired', { channel: 'organic', profile: {} })
      .add('CustomerPurchased', { orderId: 'o-1', amount: { minor: 2.5, currency: 'EUR' } }).events;
    const state = initialCustomerState('c-1');
    evolveCustomer(state, acquired);
    const before = structuredClone(state);
    expect(() => evolveCustomer(state, bad)).toThrow(MalformedEventError);
    expect(state).toEqual(before);
  });

  it('moves only the revision and position for a type it does not know', () => {
    const s = stream('c-1', 41n)
      .add('CustomerAcquired', { channel: 'organic', profile: {} })
      .add('CustomerTeleported', { to: 'Mars' });
    const summary = foldCustomerSummary(s.events);
    expect(summary).toEqual({
      ...foldCustomerSummary(s.events.slice(0, 1)),
      streamRevision: 1,
      lastGlobalPosition: '42',
    });
  });
});
