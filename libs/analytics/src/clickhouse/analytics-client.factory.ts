import { createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import { join } from 'node:path';
import {
  elsewhereConnection,
  embeddedConnection,
  EmbeddedEngineElsewhereError,
  openEmbeddedSqlSession,
  type EmbeddedSqlSession,
  type InjectedConnection,
} from './embedded-connection';
import { checkDatabaseName, DEFAULT_ANALYTICS_DATABASE } from './sql-names';

export interface AnalyticsClientOptions {
  /** ClickHouse HTTP(S) URL (`CLICKHOUSE_URL`). Absent: the embedded engine under `<dataDir>/clickhouse`. */
  readonly clickhouseUrl?: string;
  /** `DATA_DIR`: the embedded engine keeps its files in its `clickhouse` subdirectory. */
  readonly dataDir: string;
  /**
   * Database holding the analytics tables. Default: the URL's path (`http://host:8123/analytics`), else
   * `crm`. Tests use one database per suite.
   */
  readonly database?: string;
  /** Per-request timeout for the HTTP connection. */
  readonly requestTimeoutMs?: number;
  /**
   * Without `clickhouseUrl`: `open` (default) runs the embedded engine in this process; `elsewhere` never
   * opens it (another process of the deployment owns it) and refuses every statement with
   * EmbeddedEngineElsewhereError.
   */
  readonly embeddedEngine?: 'open' | 'elsewhere';
  /**
   * Without `clickhouseUrl`: the embedded engine of another process, reached through this connection and its
   * SQL sessions (`crm serve`'s API process, whose worker process owns the engine).
   */
  readonly forwardedEngine?: ForwardedEngine;
}

/** The embedded engine of another process of the deployment: a connection to it, and sessions on it. */
export interface ForwardedEngine {
  readonly connection: InjectedConnection;
  readonly openSqlSession?: () => Promise<EmbeddedSqlSession>;
}

/** The analytics store: one `@clickhouse/client`, whatever the engine behind it. */
export interface AnalyticsClient {
  readonly client: ClickHouseClient;
  /** Every statement names its tables as `<database>.<table>` (the embedded connection has no default database). */
  readonly database: string;
  readonly engine: 'server' | 'embedded';
  /**
   * A session of its own on the embedded engine, for the SQL entrance (analysts' SQL must not change the
   * projectors' settings). Absent with a ClickHouse server: analysts connect to the server itself.
   */
  readonly openSqlSession?: () => Promise<EmbeddedSqlSession>;
  /** Set when another process owns the embedded engine: why this process has no analytics store. */
  readonly elsewhere?: EmbeddedEngineElsewhereError;
  close(): Promise<void>;
}

/**
 * Settings sent with every statement, so both engines behave alike whatever their defaults (ClickHouse 26.x
 * changed several): synchronous inserts (a projector's INSERT ... SELECT must see the rows it just wrote),
 * 64-bit integers as JSON numbers (positions, which can exceed 2^53, are selected with toString()). Progress
 * headers keep long CLV or cohort queries alive behind HTTP load balancers; the embedded connection ignores
 * those two, as it has no HTTP.
 */
export const ANALYTICS_CLICKHOUSE_SETTINGS: ClickHouseSettings = {
  async_insert: 0,
  output_format_json_quote_64bit_integers: 0,
  output_format_json_quote_decimals: 0,
  // The event mapping's statements change these two (MAPPING_SETTINGS, RAW_BATCH_SETTINGS); the embedded
  // engine keeps a SET for the rest of its session, so every other statement sets the defaults back.
  short_circuit_function_evaluation: 'enable',
  max_query_size: '262144',
  send_progress_in_http_headers: 1,
  http_headers_progress_interval_ms: '50000',
};

function databaseFromUrl(url: string): string | undefined {
  const path = new URL(url).pathname.replace(/^\/+|\/+$/g, '');
  return path.length > 0 ? path : undefined;
}

/**
 * The only switch between the two deployments: HTTP when `clickhouseUrl` is set, otherwise the embedded engine
 * (chDB) plugged into the same client through `createClient({ connection })`. Same SQL either way.
 */
export function createAnalyticsClient(options: AnalyticsClientOptions): AnalyticsClient {
  const url = options.clickhouseUrl?.trim() || undefined;
  const database = checkDatabaseName(
    options.database ?? (url ? databaseFromUrl(url) : undefined) ?? DEFAULT_ANALYTICS_DATABASE,
  );
  const common = {
    clickhouse_settings: ANALYTICS_CLICKHOUSE_SETTINGS,
    request_timeout: options.requestTimeoutMs ?? 300_000,
  };
  const embeddedPath = join(options.dataDir, 'clickhouse');
  const forwarded = url ? undefined : options.forwardedEngine;
  const elsewhere = !url && !forwarded && options.embeddedEngine === 'elsewhere';
  const client = url
    ? createClient({ ...common, url: withoutPath(url) })
    : createClient({
        ...common,
        connection:
          forwarded?.connection ??
          (elsewhere ? elsewhereConnection(embeddedPath) : embeddedConnection(embeddedPath)),
      });
  const openSqlSession =
    url || elsewhere
      ? undefined
      : forwarded
        ? forwarded.openSqlSession
        : () => openEmbeddedSqlSession(embeddedPath);
  return {
    client,
    database,
    engine: url ? 'server' : 'embedded',
    ...(openSqlSession ? { openSqlSession } : {}),
    ...(elsewhere ? { elsewhere: new EmbeddedEngineElsewhereError(embeddedPath) } : {}),
    close: () => client.close(),
  };
}

/**
 * Throws unless the store answers: the client's `ping()` reports failure as a result, not an exception. On the
 * embedded engine this opens it (a `SELECT 1`), so it also says whether another process holds the directory.
 */
export async function pingAnalytics(ch: AnalyticsClient): Promise<void> {
  const result = await ch.client.ping();
  if (!result.success) throw result.error;
}

/**
 * The URL's path names our database, but the client would make it the default database of every request, and
 * a server refuses requests whose default database does not exist yet (before `CREATE DATABASE` ran). Every
 * statement qualifies its tables instead, as on the embedded connection, which has no default database.
 */
function withoutPath(url: string): string {
  const parsed = new URL(url);
  parsed.pathname = '/';
  return parsed.toString();
}
