import type { EmbeddedSqlSession, ForwardedEngine, InjectedConnection } from '@crm/analytics';
import { ClickHouseError } from '@clickhouse/client';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import type {
  EngineMethod,
  EngineRequest,
  ForwardedError,
  ForwardedParams,
  ForwardedResult,
  ForwardedSqlResult,
} from './worker-part.messages';

/**
 * The worker process, which owns the embedded engine, is not running (starting, restarting after a crash, or
 * stopping). Its code makes it what it is to the API: a store that does not answer, as a ClickHouse server
 * refusing connections would be (503 ANALYTICS_UNAVAILABLE with Retry-After; the schema check retries).
 */
export class WorkerPartUnavailableError extends Error {
  readonly code = 'ECONNREFUSED';
  constructor(state: string) {
    super(`The embedded analytics engine runs in crm serve's worker process, which is ${state}`);
    this.name = new.target.name;
  }
}

/** Sends one request to the worker process and resolves with its answer (rejects with its error). */
export type EngineRequester = (request: EngineRequest) => Promise<unknown>;

/** What the API process's AnalyticsClient is built on in `crm serve` (AnalyticsModule `forwardedEngine`). */
export type ForwardedAnalyticsEngine = Required<ForwardedEngine>;

/**
 * The embedded ClickHouse engine of `crm serve`'s worker process as a `@clickhouse/client` connection of the
 * API process, and its SQL entrance sessions: each statement goes over the IPC channel and runs there
 * (EngineStatementServer). ClickHouse locks its directory for one process; the worker process keeps it, so that
 * the projectors' many statements never wait for the API's event loop.
 */
export function forwardedAnalyticsEngine(request: EngineRequester): ForwardedAnalyticsEngine {
  const statement = async (method: EngineMethod, params: Record<string, unknown>) => {
    (params.abort_signal as AbortSignal | undefined)?.throwIfAborted();
    return (await request({ op: 'statement', method, params: await plainParams(params) })) as ForwardedResult;
  };
  const withStream = ({ result, bytes }: ForwardedResult) => ({
    ...result,
    stream: Readable.from(bytes && bytes.length > 0 ? [Buffer.from(bytes)] : []),
  });
  const connection: InjectedConnection = {
    ping: async (params) => {
      try {
        return (await statement('ping', { ...params })).result as { success: true };
      } catch (error) {
        return { success: false, error: error as Error };
      }
    },
    query: async (params) => withStream(await statement('query', { ...params })) as never,
    exec: async (params) => withStream(await statement('exec', { ...params })) as never,
    insert: async (params) => (await statement('insert', { ...params })).result as never,
    command: async (params) => (await statement('command', { ...params })).result as never,
    close: async () => undefined,
  };
  const openSqlSession = async (): Promise<EmbeddedSqlSession> => {
    const session = (await request({ op: 'session-open' })) as number;
    return {
      async run(sql, options = {}) {
        options.signal?.throwIfAborted();
        const result = (await request({
          op: 'session-run',
          session,
          sql,
          ...(options.format ? { format: options.format } : {}),
          ...(options.params ? { params: options.params } : {}),
        })) as ForwardedSqlResult;
        return { ...result, bytes: Buffer.from(result.bytes) };
      },
      async close() {
        await request({ op: 'session-close', session }).catch(() => undefined);
      },
    };
  };
  return { connection, openSqlSession };
}

async function plainParams(params: Record<string, unknown>): Promise<ForwardedParams> {
  const values = params.values;
  return {
    query: params.query as string | undefined,
    ...(values === undefined
      ? {}
      : { values: typeof values === 'string' ? values : await text(values as Readable) }),
    clickhouse_settings: params.clickhouse_settings as Record<string, unknown> | undefined,
    query_params: params.query_params as Record<string, unknown> | undefined,
    session_id: params.session_id as string | undefined,
    query_id: (params.query_id as string | undefined) ?? randomUUID(),
    select: params.select as boolean | undefined,
    ignore_error_response: params.ignore_error_response as boolean | undefined,
  };
}

/** The engine's error as the API's code expects it: a ClickHouseError with its code, or an error with its code. */
export function fromForwardedError(error: ForwardedError): Error {
  if (error.name === 'ClickHouseError' && error.code !== undefined)
    return new ClickHouseError({ message: error.message, code: error.code, type: error.type });
  const rebuilt = Object.assign(new Error(error.message), error.code ? { code: error.code } : {});
  rebuilt.name = error.name;
  return rebuilt;
}
