import type { EngineRequest, ForwardedError } from './worker-part.messages';
import type { ApiProcessesSnapshot, WorkerPartSnapshot } from './worker-part.status';

/**
 * `crm serve --api-processes n`: what its API processes and its primary process say to each other over the
 * cluster's IPC channel. Types carry a `crm:` prefix: node:cluster and prom-client use the same channel.
 */

/** API process -> primary. */
export type ApiProcessMessage =
  /** Its HTTP server listens (the primary starts the next process, or reports it up again). */
  | { readonly type: 'crm:listening' }
  /** A statement or SQL session request for the embedded engine, which the primary relays to the worker part. */
  | { readonly type: 'crm:engine'; readonly id: number; readonly request: EngineRequest }
  /** A scrape of /metrics landed here: the other API processes' metrics, please. */
  | { readonly type: 'crm:metrics-collect'; readonly id: number }
  /** Its own metrics (prom-client's getMetricsAsJSON), answering crm:metrics-report. */
  | { readonly type: 'crm:metrics'; readonly id: number; readonly metrics: unknown[] };

/** Primary -> API process. */
export type PrimaryMessage =
  | {
      readonly type: 'crm:engine-reply';
      readonly id: number;
      readonly ok?: unknown;
      readonly error?: ForwardedError;
    }
  /** The worker part (and the API processes) as the primary sees them, on every change and report. */
  | { readonly type: 'crm:worker-part'; readonly snapshot: WorkerPartSnapshot }
  /** The API processes as the primary sees them, on every change (/metrics, where no worker part reports them). */
  | { readonly type: 'crm:api-processes'; readonly snapshot: ApiProcessesSnapshot }
  /** Another API process is scraped: send your metrics. */
  | { readonly type: 'crm:metrics-report'; readonly id: number }
  | { readonly type: 'crm:metrics-collected'; readonly id: number; readonly metrics: unknown[][] };

export const isClusterMessage = (message: unknown): message is ApiProcessMessage | PrimaryMessage =>
  typeof (message as { type?: unknown })?.type === 'string' &&
  (message as { type: string }).type.startsWith('crm:');

/**
 * How long a scrape of /metrics waits for the other API processes' metrics (the primary gathering them, and
 * the scraped process for the primary's answer): a process that is restarting is left out.
 */
export const METRICS_WAIT_MS = 2_000;

/** Environment variable naming an API process's number (1..n) to itself. */
export const API_PROCESS_ENV = 'CRM_API_PROCESS';
