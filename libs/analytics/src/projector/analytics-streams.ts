import { CAMPAIGN_STREAM_PREFIX, CUSTOMER_STREAM_PREFIX, isCampaignStream } from '@crm/domain';

/** Streams the analytics store holds: every customer's, and the campaigns' (marketing spend). */
export const isAnalyticsStream = (streamId: string): boolean =>
  streamId.startsWith(CUSTOMER_STREAM_PREFIX) || isCampaignStream(streamId);

/** The same rule in SQL, over a relation with a `stream_id` column. */
export const ANALYTICS_STREAM_SQL = (streamId: string): string =>
  `(startsWith(${streamId}, '${CUSTOMER_STREAM_PREFIX}') OR startsWith(${streamId}, '${CAMPAIGN_STREAM_PREFIX}'))`;
