import { CAMPAIGN_STREAM_PREFIX, CUSTOMER_STREAM_PREFIX, isCampaignStream } from '@crm/domain';

/** Streams the analytics store holds: every customer's, and the campaigns' (marketing spend). */
export const isAnalyticsStream = (streamId: string): boolean =>
  streamId.startsWith(CUSTOMER_STREAM_PREFIX) || isCampaignStream(streamId);

/** The same rule in SQL over a `stream_id` column, as LIKE so that the sqlite() table function pushes it down. */
export const ANALYTICS_STREAM_SQL = (streamId: string): string =>
  `(${streamId} LIKE '${CUSTOMER_STREAM_PREFIX}%' OR ${streamId} LIKE '${CAMPAIGN_STREAM_PREFIX}%')`;
