import type { WorkerPartStats } from './worker-part.status';

/** The ClickHouse connection methods the worker process forwards to the engine's owner. */
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
  | {
      readonly type: 'engine';
      readonly id: number;
      readonly method: EngineMethod;
      readonly params: ForwardedParams;
    };

/** What a forwarded statement returned: the result without its stream, and the stream's bytes. */
export interface ForwardedResult {
  readonly result: Record<string, unknown>;
  readonly bytes?: Uint8Array;
}

/** API process -> worker process. */
export type HostMessage =
  /** Finish the batches in hand, hand the relay lease over, and exit. */
  | { readonly type: 'stop' }
  | { readonly type: 'engine-done'; readonly id: number; readonly ok: ForwardedResult }
  | { readonly type: 'engine-failed'; readonly id: number; readonly error: ForwardedError };

/** Environment variable telling the worker process how often to report its stats (ms). */
export const REPORT_EVERY_ENV = 'CRM_WORKER_PART_REPORT_MS';
