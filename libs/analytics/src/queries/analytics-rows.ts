import type { AnalyticsClient } from '../clickhouse/analytics-client.factory';
import { selectRows, type QueryParams } from '../clickhouse/clickhouse-statements';
import { AnalyticsStoreUnavailableError } from './analytics-query.errors';

/** Socket-level failures: the store is down or unreachable, not the query wrong. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'EPIPE',
]);

export function isStoreUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && UNREACHABLE.has(code)) return true;
  // @clickhouse/client reports its own request timeout this way.
  return error instanceof Error && /^Timeout error/.test(error.message);
}

/** Runs an answer's SELECT; a store that cannot be reached becomes AnalyticsStoreUnavailableError. */
export async function answerRows<T>(
  ch: AnalyticsClient,
  sql: string,
  params: QueryParams = {},
): Promise<T[]> {
  try {
    return await selectRows<T>(ch.client, sql, params);
  } catch (error) {
    throw isStoreUnavailable(error) ? new AnalyticsStoreUnavailableError(error) : error;
  }
}
