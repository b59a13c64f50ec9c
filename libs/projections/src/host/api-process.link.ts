import type { Server } from 'node:http';
import { fromForwardedError, WorkerPartUnavailableError } from './forwarded-engine.connection';
import { API_PROCESS_HEADER, type ApiClusterMember } from './api-cluster.member';
import {
  isClusterMessage,
  METRICS_WAIT_MS,
  type ApiProcessMessage,
  type PrimaryMessage,
} from './api-cluster.messages';
import type { EngineRequest } from './worker-part.messages';
import type { ApiProcessesSnapshot, WorkerPartSnapshot, WorkerPartStatus } from './worker-part.status';

/**
 * One API process of `crm serve --api-processes n`, and its channel to the primary process, which hosts the
 * worker part: the embedded engine's statements go through the primary (forwardedAnalyticsEngine over
 * `request`), the worker part's state comes from it (WORKER_PART: /health, /metrics), and a scrape of /metrics
 * here gathers the other API processes' metrics through it.
 */
export class ApiProcessLink implements WorkerPartStatus, ApiClusterMember {
  requests = 0;
  apiProcesses?: ApiProcessesSnapshot;
  private last: WorkerPartSnapshot;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private report: () => Promise<unknown[]> = () => Promise.resolve([]);
  private readonly onMessage = (message: unknown) => this.receive(message);

  constructor(readonly apiProcess: number) {
    this.last = {
      mode: 'process',
      state: 'starting',
      pid: process.ppid,
      restarts: 0,
      since: new Date().toISOString(),
    };
    process.on('message', this.onMessage);
  }

  /** Names this process in every answer and counts its requests (before any middleware runs). */
  mark(server: Server): void {
    const name = String(this.apiProcess);
    server.prependListener('request', (_req, res) => {
      this.requests += 1;
      res.setHeader(API_PROCESS_HEADER, name);
    });
  }

  /** Tells the primary this process listens. */
  listening(): void {
    this.send({ type: 'crm:listening' });
  }

  request(request: EngineRequest): Promise<unknown> {
    if (!process.connected) return Promise.reject(new WorkerPartUnavailableError('out of reach'));
    return this.ask((id) => ({ type: 'crm:engine', id, request }));
  }

  snapshot(): WorkerPartSnapshot {
    return this.last;
  }

  /** The primary process stops the worker part, after every API process has stopped. */
  async stop(): Promise<void> {
    process.off('message', this.onMessage);
  }

  reportMetricsWith(report: () => Promise<unknown[]>): void {
    this.report = report;
  }

  async othersMetrics(): Promise<unknown[][]> {
    if (!process.connected) return [];
    const timeout = new Promise<unknown[][]>((resolve) =>
      setTimeout(() => resolve([]), METRICS_WAIT_MS).unref(),
    );
    return Promise.race([
      this.ask((id) => ({ type: 'crm:metrics-collect', id })) as Promise<unknown[][]>,
      timeout,
    ]);
  }

  private ask(message: (id: number) => ApiProcessMessage): Promise<unknown> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (!this.send(message(id))) {
        this.pending.delete(id);
        reject(new WorkerPartUnavailableError('out of reach'));
      }
    });
  }

  private receive(raw: unknown): void {
    if (!isClusterMessage(raw)) return;
    const message = raw as PrimaryMessage;
    switch (message.type) {
      case 'crm:worker-part':
        this.last = message.snapshot;
        return;
      case 'crm:api-processes':
        this.apiProcesses = message.snapshot;
        return;
      case 'crm:metrics-report':
        void this.report().then(
          (metrics) => this.send({ type: 'crm:metrics', id: message.id, metrics }),
          () => this.send({ type: 'crm:metrics', id: message.id, metrics: [] }),
        );
        return;
      case 'crm:engine-reply':
      case 'crm:metrics-collected': {
        const waiter = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.type === 'crm:metrics-collected') waiter?.resolve(message.metrics);
        else if (message.error) waiter?.reject(fromForwardedError(message.error));
        else waiter?.resolve(message.ok);
      }
    }
  }

  private send(message: ApiProcessMessage): boolean {
    if (!process.send || !process.connected) return false;
    try {
      process.send(message);
      return true;
    } catch {
      return false; // the primary is gone: node:cluster ends this process
    }
  }
}
