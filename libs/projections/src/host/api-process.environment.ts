import type { AppConfig, ApiKeyEntry } from '@crm/config';
import { API_PROCESS_ENV } from './api-cluster.messages';

/** This API process's number, as its primary named it. */
export function apiProcessNumber(env: NodeJS.ProcessEnv = process.env): number {
  return Number(env[API_PROCESS_ENV] ?? 1);
}

/**
 * What an API process gets on top of the primary's environment. Keys and rate limits are in each process's
 * memory: the keys are the primary's (its development key included), and each process gets 1/n of every
 * limit, so that n processes together never let a key through faster than its configured limit (nor run more
 * SQL entrance queries at once than SQL_MAX_CONCURRENT_QUERIES, rounded up to one per process).
 */
export function apiProcessEnv(
  config: AppConfig,
  keys: readonly ApiKeyEntry[],
  processes: number,
  apiProcess: number,
): Record<string, string> {
  const share = (limit: number) => Math.max(1, Math.ceil(limit / processes));
  return {
    API_KEYS: JSON.stringify(
      keys.map((key) =>
        key.rateLimit
          ? {
              ...key,
              rateLimit: { perSecond: share(key.rateLimit.perSecond), burst: share(key.rateLimit.burst) },
            }
          : key,
      ),
    ),
    RATE_LIMIT_PER_SECOND: String(share(config.RATE_LIMIT_PER_SECOND)),
    RATE_LIMIT_BURST: String(share(config.RATE_LIMIT_BURST)),
    // The SQL entrance's queries run on the one engine: n processes together keep to its ceiling.
    SQL_MAX_CONCURRENT_QUERIES: String(share(config.SQL_MAX_CONCURRENT_QUERIES)),
    // Leases (a rebuild's) name their owner: one name per process.
    WORKER_ID: `${config.workerId}-api-${apiProcess}`,
  };
}
