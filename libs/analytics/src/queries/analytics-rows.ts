import type { AnalyticsClient } from '../clickhouse/analytics-client.factory';
import { selectRows, type QueryParams } from '../clickhouse/clickhouse-statements';
import { isAnalyticsUnreachable } from '../analytics.module';
import { AnalyticsStoreUnavailableError } from './analytics-query.errors';

/** Runs an answer's SELECT; a store that cannot be reached becomes AnalyticsStoreUnavailableError. */
export async function answerRows<T>(
  ch: AnalyticsClient,
  sql: string,
  params: QueryParams = {},
): Promise<T[]> {
  try {
    return await selectRows<T>(ch.client, sql, params);
  } catch (error) {
    throw isAnalyticsUnreachable(error) ? new AnalyticsStoreUnavailableError(error) : error;
  }
}
