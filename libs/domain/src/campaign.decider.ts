import { InvalidMoneyError, SpendNotPositiveError, SpendPeriodInvertedError } from './domain-errors';
import type { MarketingEvent, MarketingSpendRecordedData } from './marketing-events';
import { isValidMoney } from './money';

/**
 * Records marketing spend in a campaign's stream (`campaign-<campaign>`). Retries are idempotent by
 * eventId (the write path answers a known eventId with what it recorded, deciding nothing).
 */
export interface RecordMarketingSpend {
  readonly type: 'RecordMarketingSpend';
  readonly eventId: string;
  readonly occurredAt: string;
  readonly data: MarketingSpendRecordedData;
}

export type CampaignCommand = RecordMarketingSpend;

/** The write-side state of a campaign: nothing constrains a new spend but the spend itself, so far. */
export interface CampaignState {
  /** Spends recorded in the stream. */
  readonly spends: number;
}

export const initialCampaignState = (): CampaignState => ({ spends: 0 });

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function decideCampaign(command: CampaignCommand, _state: CampaignState): MarketingEvent[] {
  const { data, eventId, occurredAt } = command;
  if (!isValidMoney(data.amount)) throw new InvalidMoneyError('data.amount');
  if (data.amount.minor <= 0) throw new SpendNotPositiveError();
  // Days compare as text (YYYY-MM-DD); the contract checks that both are real days.
  if (DAY.test(data.periodStart) && DAY.test(data.periodEnd) && data.periodEnd < data.periodStart) {
    throw new SpendPeriodInvertedError(data.periodStart, data.periodEnd);
  }
  return [{ type: 'MarketingSpendRecorded', eventId, occurredAt, data }];
}

export function evolveCampaign(state: CampaignState, event: MarketingEvent): CampaignState {
  switch (event.type) {
    case 'MarketingSpendRecorded':
      return { spends: state.spends + 1 };
  }
}
