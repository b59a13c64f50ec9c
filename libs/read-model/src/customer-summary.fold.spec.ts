import type { RecordedEvent } from '@crm/event-store';
import { evolveCustomer, foldCustomerSummary, initialCustomerState } from './customer-summary.fold';
import { MalformedEventError } from './read-model.errors';
import { stream } from './testing/read-model.harness';

/** Folds `first`, then expects `bad` to throw MalformedEventError and leave the state as it was. */
function expectRefusedUnchanged(first: RecordedEvent, bad: RecordedEvent): void {
  const state = initialCustomerState('c-1');
  evolveCustomer(state, first);
  const before = structuredClone(state);
  expect(() => evolveCustomer(state, bad)).toThrow(MalformedEventError);
  expect(state).toEqual(before);
}

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
    expectRefusedUnchanged(acquired, bad);
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

describe("the customer's file in the Customer 360 rule", () => {
  const acquired = () =>
    stream('c-1').add('CustomerAcquired', { channel: 'organic', profile: {} }, '2026-01-01T00:00:00Z');
  const nps = (score: number, surveyId = 's-1') => ({ metric: 'nps', score, channel: 'email', surveyId });

  it('given NPS answers, shows the latest by business time with its class (9-10, 7-8, 0-6)', () => {
    const s = acquired().add('CustomerFeedbackGiven', nps(6), '2026-02-01T00:00:00Z');
    expect(foldCustomerSummary(s.events).nps).toEqual({
      score: 6,
      class: 'detractor',
      surveyId: 's-1',
      channel: 'email',
      at: '2026-02-01T00:00:00.000Z',
    });
    s.add('CustomerFeedbackGiven', nps(8, 's-2'), '2026-03-01T00:00:00Z');
    expect(foldCustomerSummary(s.events).nps).toMatchObject({ score: 8, class: 'passive', surveyId: 's-2' });
    // An answer imported late (earlier business time) does not replace a newer one.
    s.add('CustomerFeedbackGiven', nps(10, 's-0'), '2026-01-15T00:00:00Z');
    expect(foldCustomerSummary(s.events).nps).toMatchObject({ score: 8, class: 'passive' });
    s.add('CustomerFeedbackGiven', nps(9, 's-3'), '2026-04-01T00:00:00Z');
    expect(foldCustomerSummary(s.events).nps).toMatchObject({ score: 9, class: 'promoter' });
    expect(foldCustomerSummary(s.events).csat).toBeNull();
  });

  it('given a CSAT answer, shows it apart from NPS', () => {
    const s = acquired().add(
      'CustomerFeedbackGiven',
      { metric: 'csat', score: 2, channel: 'chat', surveyId: 'cs-1', comment: 'slow' },
      '2026-02-01T00:00:00Z',
    );
    const summary = foldCustomerSummary(s.events);
    expect(summary.csat).toEqual({
      score: 2,
      surveyId: 'cs-1',
      channel: 'chat',
      at: '2026-02-01T00:00:00.000Z',
    });
    expect(summary.nps).toBeNull();
    // The comment is personal data: the read model never keeps it.
    expect(JSON.stringify(summary)).not.toContain('slow');
  });

  it('rejects a score off its scale and leaves the state as it was', () => {
    const [first, bad] = acquired().add('CustomerFeedbackGiven', nps(11)).events;
    expectRefusedUnchanged(first, bad);
  });

  it('given complaints opened and resolved, counts them and lists the open ones oldest first', () => {
    const opened = (complaintId: string, category: string, severity: string) => ({
      complaintId,
      category,
      severity,
      channel: 'phone',
    });
    const s = acquired()
      .add('CustomerComplaintOpened', opened('k-2', 'billing', 'low'), '2026-02-02T00:00:00Z')
      .add('CustomerComplaintOpened', opened('k-1', 'delivery', 'high'), '2026-02-01T00:00:00Z')
      .add('CustomerComplaintOpened', opened('k-3', 'staff', 'critical'), '2026-02-03T00:00:00Z');
    expect(foldCustomerSummary(s.events).complaints).toEqual({
      opened: 3,
      resolved: 0,
      open: [
        { ...opened('k-1', 'delivery', 'high'), orderId: null, openedAt: '2026-02-01T00:00:00.000Z' },
        { ...opened('k-2', 'billing', 'low'), orderId: null, openedAt: '2026-02-02T00:00:00.000Z' },
        { ...opened('k-3', 'staff', 'critical'), orderId: null, openedAt: '2026-02-03T00:00:00.000Z' },
      ],
    });
    s.add('CustomerComplaintResolved', {
      complaintId: 'k-2',
      resolution: 'credit',
      compensation: { minor: 1500, currency: 'EUR' },
      accepted: true,
    })
      .add('CustomerComplaintResolved', { complaintId: 'k-1', resolution: 'apology', accepted: false })
      .add('CustomerComplaintResolved', {
        complaintId: 'k-3',
        resolution: 'refund',
        compensation: { minor: 500, currency: 'EUR' },
        accepted: true,
      });
    const summary = foldCustomerSummary(s.events);
    expect(summary.complaints).toEqual({ opened: 3, resolved: 3, open: [] });
    expect(summary.compensation).toEqual([{ currency: 'EUR', totalMinor: 2000, count: 2 }]);
  });

  it('counts nothing for a repeated opening or a resolution of a complaint that is not open', () => {
    const open = { complaintId: 'k-1', category: 'product', severity: 'medium', channel: 'email' };
    const s = acquired()
      .add('CustomerComplaintOpened', open)
      .add('CustomerComplaintOpened', open)
      .add('CustomerComplaintResolved', { complaintId: 'k-9', resolution: 'rejected', accepted: false });
    expect(foldCustomerSummary(s.events).complaints).toMatchObject({ opened: 1, resolved: 0 });
    expect(foldCustomerSummary(s.events).complaints.open).toHaveLength(1);
  });

  it('given consents with the acquisition, grants and withdrawals, keeps the latest per channel and purpose', () => {
    const s = stream('c-1')
      .add(
        'CustomerAcquired',
        {
          channel: 'organic',
          profile: {},
          consents: [
            { channel: 'email', purpose: 'marketing' },
            { channel: 'sms', purpose: 'survey' },
          ],
        },
        '2026-01-01T00:00:00Z',
      )
      .add(
        'CustomerConsentWithdrawn',
        { channel: 'email', purpose: 'marketing', source: 'unsubscribe-link' },
        '2026-02-01T00:00:00Z',
      )
      .add('CustomerConsentGranted', { channel: 'email', purpose: 'marketing' }, '2026-01-15T00:00:00Z')
      .add('CustomerConsentGranted', { channel: 'push', purpose: 'profiling' }, '2026-03-01T00:00:00Z');
    expect(foldCustomerSummary(s.events).consents).toEqual([
      {
        channel: 'email',
        purpose: 'marketing',
        status: 'withdrawn',
        at: '2026-02-01T00:00:00.000Z',
        source: 'unsubscribe-link',
      },
      {
        channel: 'push',
        purpose: 'profiling',
        status: 'granted',
        at: '2026-03-01T00:00:00.000Z',
        source: null,
      },
      {
        channel: 'sms',
        purpose: 'survey',
        status: 'granted',
        at: '2026-01-01T00:00:00.000Z',
        source: 'acquisition',
      },
    ]);
  });

  it('given preferences set twice, each field given replaces the previous one and absent fields stay', () => {
    const s = acquired()
      .add(
        'CustomerPreferencesSet',
        { preferredChannel: 'sms', language: 'it', categories: ['books'] },
        '2026-02-01T00:00:00Z',
      )
      .add('CustomerPreferencesSet', { language: 'en', contactFrequency: 'weekly' }, '2026-03-01T00:00:00Z');
    expect(foldCustomerSummary(s.events).preferences).toEqual({
      preferredChannel: 'sms',
      language: 'en',
      contactFrequency: 'weekly',
      categories: ['books'],
      updatedAt: '2026-03-01T00:00:00.000Z',
    });
    expect(foldCustomerSummary(acquired().events).preferences).toBeNull();
  });

  it('adds up the cost to serve per currency from the contacts that carry one', () => {
    const contact = (cost?: { minor: number; currency: string }) => ({
      channel: 'phone',
      direction: 'inbound',
      purpose: 'support',
      ...(cost ? { cost } : {}),
    });
    const s = acquired()
      .add('CustomerContacted', contact({ minor: 350, currency: 'EUR' }))
      .add('CustomerContacted', contact())
      .add('CustomerContacted', contact({ minor: 90, currency: 'USD' }))
      .add('CustomerContacted', contact({ minor: 150, currency: 'EUR' }));
    const summary = foldCustomerSummary(s.events);
    expect(summary.contactsCount).toBe(4);
    expect(summary.costToServe).toEqual([
      { currency: 'EUR', totalMinor: 500, count: 2 },
      { currency: 'USD', totalMinor: 90, count: 1 },
    ]);
  });

  it('rejects a contact whose cost is not integer money and leaves the state as it was', () => {
    const [first, bad] = acquired().add('CustomerContacted', {
      channel: 'phone',
      direction: 'inbound',
      purpose: 'support',
      cost: { minor: 1.5, currency: 'EUR' },
    }).events;
    expectRefusedUnchanged(first, bad);
  });

  it('keeps the file through an erasure (none of it is personal data) and the stage rules as before', () => {
    const s = acquired()
      .add('CustomerFeedbackGiven', nps(3))
      .add('CustomerComplaintOpened', {
        complaintId: 'k-1',
        category: 'service',
        severity: 'high',
        channel: 'chat',
      })
      .add('CustomerPersonalDataErased', { fields: ['name', 'email', 'phone', 'city'] });
    const summary = foldCustomerSummary(s.events);
    expect(summary).toMatchObject({ erased: true, stage: 'acquired', nps: { score: 3, class: 'detractor' } });
    expect(summary.complaints.open).toHaveLength(1);
  });
});
