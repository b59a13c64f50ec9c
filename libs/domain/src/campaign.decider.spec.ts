import {
  decideCampaign,
  evolveCampaign,
  initialCampaignState,
  type RecordMarketingSpend,
} from './campaign.decider';
import { DomainError } from './domain-errors';
import type { MarketingSpendRecordedData } from './marketing-events';

const spend = (data: Partial<MarketingSpendRecordedData> = {}): RecordMarketingSpend => ({
  type: 'RecordMarketingSpend',
  eventId: 'e-1',
  occurredAt: '2026-04-01T08:00:00.000Z',
  data: {
    campaign: 'spring-26',
    channel: 'paid_search',
    periodStart: '2026-03-01',
    periodEnd: '2026-03-31',
    amount: { minor: 1_250_000, currency: 'EUR' },
    ...data,
  },
});

const codeOf = (command: RecordMarketingSpend): string | undefined => {
  try {
    decideCampaign(command, initialCampaignState());
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return `${(error as DomainError).code} at ${(error as DomainError).field}`;
  }
};

describe('campaign decider: marketing spend', () => {
  it('records a spend', () => {
    const command = spend();
    const events = decideCampaign(command, initialCampaignState());
    expect(events).toEqual([
      { type: 'MarketingSpendRecorded', eventId: 'e-1', occurredAt: command.occurredAt, data: command.data },
    ]);
    expect(evolveCampaign(initialCampaignState(), events[0])).toEqual({ spends: 1 });
  });

  it('accepts a one-day period', () =>
    expect(codeOf(spend({ periodStart: '2026-03-01', periodEnd: '2026-03-01' }))).toBeUndefined());

  it('refuses a period that ends before it starts', () =>
    expect(codeOf(spend({ periodStart: '2026-03-31', periodEnd: '2026-03-01' }))).toBe(
      'SPEND_PERIOD_INVERTED at data.periodEnd',
    ));

  it('refuses a spend of zero', () =>
    expect(codeOf(spend({ amount: { minor: 0, currency: 'EUR' } }))).toBe(
      'SPEND_NOT_POSITIVE at data.amount.minor',
    ));

  it.each([
    { minor: -100, currency: 'EUR' },
    { minor: 10.5, currency: 'EUR' },
    { minor: 100, currency: 'EURO' },
  ])('refuses money that is not money: %p', (amount) =>
    expect(codeOf(spend({ amount }))).toBe('INVALID_MONEY at data.amount'),
  );
});
