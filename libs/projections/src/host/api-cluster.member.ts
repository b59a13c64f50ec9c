import type { ApiProcessesSnapshot } from './worker-part.status';

/**
 * This API process as one of several of `crm serve --api-processes n` (absent with one API process): what
 * /metrics needs to answer for the service rather than for the process that happened to take the scrape.
 */
export interface ApiClusterMember {
  /** This process's number, 1..n (the `x-crm-api-process` header and the `api_process` label). */
  readonly apiProcess: number;
  /** All the API processes, as the primary last reported them. */
  readonly apiProcesses?: ApiProcessesSnapshot;
  /** Requests this process has taken. */
  readonly requests: number;
  /** What this process answers when another one is scraped: its registry as prom-client JSON. */
  reportMetricsWith(report: () => Promise<unknown[]>): void;
  /** The other API processes' metrics (prom-client JSON), as many as answered in time. */
  othersMetrics(): Promise<unknown[][]>;
}

/** Injection token of the process's ApiClusterMember; absent with one API process. */
export const API_CLUSTER = Symbol('API_CLUSTER');

/** Response header naming the API process that answered (`crm serve`). */
export const API_PROCESS_HEADER = 'x-crm-api-process';
