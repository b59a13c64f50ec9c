import type { WorkerPartStats } from './worker-part.status';

/** The ClickHouse connection methods the API process forwards to the engine's owner, the worker process. */
export type EngineMethod = 'ping' | 'query' | 'insert' | 'command' | 'exec';

/** A statement's parameters as they cross the process boundary: plain data only (no streams, no signals). */
export interface ForwardedParams {
  readonly query?: string;
  readonly values?: string;
  readonly clickhouse_settings?: Record<string, unknown>;
  readonly query_params?: Record<string, unknown>;
  readonly session_id?: string;
  readonly query_id?: string;
  readonly select?: boolean;
  readonly ignore_error_response?: boolean;
}

/** What a forwarded statement returned: the result without its stream, and the stream's bytes. */
export interface ForwardedResult {
  readonly result: Record<string, unknown>;
  readonly bytes?: Uint8Array;
}

/** An SQL entrance session's statement result, as EmbeddedSqlSession.run returns it. */
export interface ForwardedSqlResult {
  readonly bytes: Uint8Array;
  readonly rowsRead: number;
  readonly bytesRead: number;
  readonly elapsedSeconds: number;
}

/** What the API process asks of the engine in the worker process. */
export type EngineRequest =
  | { readonly op: 'statement'; readonly method: EngineMethod; readonly params: ForwardedParams }
  | { readonly op: 'session-open' }
  | {
      readonly op: 'session-run';
      readonly session: number;
      readonly sql: string;
      readonly format?: string;
      readonly params?: Record<string, string>;
    }
  | { readonly op: 'session-close'; readonly session: number };

/** An engine error as it crosses the boundary: enough to rebuild a ClickHouseError (code, type). */
export interface ForwardedError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly type?: string;
}

/** Worker process -> API process. */
export type WorkerProcessMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'stats'; readonly stats: WorkerPartStats }
  | { readonly type: 'boot-failed'; readonly error: string }
  | { readonly type: 'reply'; readonly id: number; readonly ok?: unknown; readonly error?: ForwardedError };

/** API process -> worker process. */
export type HostMessage =
  /** Finish the batches in hand, hand the relay lease over, and exit. */
  | { readonly type: 'stop' }
  | { readonly type: 'request'; readonly id: number; readonly request: EngineRequest };

/** Environment variable telling the worker process how often to report its stats (ms). */
export const REPORT_EVERY_ENV = 'CRM_WORKER_PART_REPORT_MS';
