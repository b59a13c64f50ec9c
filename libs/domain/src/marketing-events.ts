import type { AcquisitionChannel } from './customer-events';
import type { Money } from './money';

/**
 * Marketing costs are not facts about one customer: they live in streams of their own, one per campaign
 * (`campaign-<campaign>`), in the same event store with the same guarantees (idempotent by event id,
 * expected revisions). Acquisition cost and ROI divide this spend by the customers a campaign acquired.
 */
export interface MarketingSpendRecordedData {
  /** The campaign, as customers' CustomerAcquired.data.campaign names it. */
  readonly campaign: string;
  /** The acquisition channel the money was spent on. */
  readonly channel: AcquisitionChannel;
  /** First and last day (inclusive, YYYY-MM-DD, UTC) the spend covers. */
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly amount: Money;
}

export interface MarketingEventDataMap {
  MarketingSpendRecorded: MarketingSpendRecordedData;
}

export type MarketingEventType = keyof MarketingEventDataMap;
export const MARKETING_EVENT_TYPES = Object.freeze([
  'MarketingSpendRecorded',
] as const satisfies readonly MarketingEventType[]);

export type MarketingEvent = {
  [K in MarketingEventType]: {
    readonly type: K;
    readonly eventId: string;
    readonly occurredAt: string;
    readonly data: MarketingEventDataMap[K];
  };
}[MarketingEventType];

export const MARKETING_SCHEMA_VERSIONS = Object.freeze({
  MarketingSpendRecorded: 1,
} as const satisfies Record<MarketingEventType, number>);

export const CAMPAIGN_STREAM_PREFIX = 'campaign-';
export const campaignStreamId = (campaign: string): string => `${CAMPAIGN_STREAM_PREFIX}${campaign}`;
/** True for the streams of customers (the lifecycle), false for campaign streams and anything else. */
export const isCampaignStream = (streamId: string): boolean => streamId.startsWith(CAMPAIGN_STREAM_PREFIX);
