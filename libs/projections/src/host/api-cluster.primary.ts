import { Logger } from '@nestjs/common';
import cluster, { type Worker } from 'node:cluster';
import { toForwardedError } from './engine-statement.server';
import {
  API_PROCESS_ENV,
  isClusterMessage,
  METRICS_WAIT_MS,
  type ApiProcessMessage,
  type PrimaryMessage,
} from './api-cluster.messages';
import type { EngineRequest } from './worker-part.messages';
import type { ApiProcessesSnapshot, WorkerPartCrash, WorkerPartSnapshot } from './worker-part.status';

export interface ApiClusterOptions {
  /** How many API processes listen on the port. */
  readonly processes: number;
  /** Environment of API process `apiProcess` (1..n), on top of this process's. */
  readonly env?: (apiProcess: number) => Record<string, string>;
  /** The worker part's engine, when it runs in this process's child: the API processes' statements go there. */
  readonly engine?: (request: EngineRequest) => Promise<unknown>;
  /** The worker part's state, which every API process reports in /health and /metrics. */
  readonly workerPart?: () => WorkerPartSnapshot;
  /** Called when an API process starts listening, crashes or stops. */
  readonly onChange?: () => void;
  /** Restart delays after a crash: doubled per crash up to `maxMs`, back to `initialMs` after a long run. */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number; readonly resetAfterMs: number };
  /** How long a stop waits for an API process to close before killing it. */
  readonly stopTimeoutMs?: number;
}

interface Slot {
  readonly apiProcess: number;
  worker?: Worker;
  listening: boolean;
  since: number;
  delayMs: number;
  restartTimer?: NodeJS.Timeout;
}

const DEFAULT_BACKOFF = { initialMs: 1_000, maxMs: 30_000, resetAfterMs: 60_000 };

/**
 * The primary process of `crm serve --api-processes n`: n API processes (node:cluster; on Linux the primary
 * accepts the connections and hands them round-robin to the processes) beside the one worker part. It relays
 * what only it can reach: the worker part's engine (statements of the analytics endpoints and the SQL
 * entrance), the worker part's state, and the other processes' metrics for a scrape of /metrics.
 *
 * The first API process starts alone and the others once it listens: the read model's migrations run once,
 * never concurrently. A crashed API process is logged, reported (`snapshot()`: the state file, /metrics) and
 * started again after a backoff; the others keep serving meanwhile. `stop()` closes every API process
 * (SIGTERM: each drains as a single API does) and resolves once all have exited.
 */
export class ApiClusterPrimary {
  private readonly logger = new Logger('ApiProcesses');
  private readonly slots: Slot[];
  private readonly backoff: NonNullable<ApiClusterOptions['backoff']>;
  private restarts = 0;
  private lastCrash?: WorkerPartCrash & { readonly apiProcess: number };
  private stopping?: Promise<void>;
  private nextCollect = 0;
  private readonly collecting = new Map<number, { metrics: unknown[][]; waiting: number; done(): void }>();

  constructor(private readonly options: ApiClusterOptions) {
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.slots = Array.from({ length: options.processes }, (_, i) => ({
      apiProcess: i + 1,
      listening: false,
      since: Date.now(),
      delayMs: this.backoff.initialMs,
    }));
    // Advanced serialization: engine results travel as bytes, not as JSON arrays of numbers.
    cluster.setupPrimary({ serialization: 'advanced' });
  }

  /**
   * Starts the first API process, then the others once it listens; rejects if one exits before listening,
   * once those it started have stopped.
   */
  async start(): Promise<void> {
    const [first, ...others] = this.slots;
    try {
      await this.spawn(first);
      await Promise.all(others.map((slot) => this.spawn(slot)));
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  snapshot(): ApiProcessesSnapshot {
    const up = this.slots.filter((s) => s.listening && s.worker?.process.pid !== undefined);
    return {
      processes: this.slots.length,
      up: up.length,
      pids: Object.fromEntries(up.map((s) => [String(s.apiProcess), s.worker!.process.pid!])),
      restarts: this.restarts,
      ...(this.lastCrash ? { lastCrash: this.lastCrash } : {}),
    };
  }

  /** Sends the worker part's current state to every API process. */
  broadcastWorkerPart(): void {
    const snapshot = this.options.workerPart?.();
    if (!snapshot) return;
    for (const slot of this.slots)
      if (slot.worker) this.send(slot.worker, { type: 'crm:worker-part', snapshot });
  }

  /** SIGTERM to every API process; resolves once all have exited (killed after `stopTimeoutMs`). */
  stop(): Promise<void> {
    this.stopping ??= this.closeAll();
    return this.stopping;
  }

  private async closeAll(): Promise<void> {
    await Promise.all(
      this.slots.map(async (slot) => {
        clearTimeout(slot.restartTimer);
        const worker = slot.worker;
        if (!worker || worker.isDead()) return;
        const exited = new Promise((resolve) => worker.once('exit', resolve));
        const killer = setTimeout(() => {
          this.logger.warn(`API process ${slot.apiProcess} did not close in time; killing it`);
          worker.process.kill('SIGKILL');
        }, this.options.stopTimeoutMs ?? 60_000);
        worker.process.kill('SIGTERM');
        await exited;
        clearTimeout(killer);
      }),
    );
  }

  private spawn(slot: Slot): Promise<void> {
    slot.since = Date.now();
    slot.listening = false;
    const worker = cluster.fork({
      ...this.options.env?.(slot.apiProcess),
      [API_PROCESS_ENV]: String(slot.apiProcess),
    });
    slot.worker = worker;
    // An IPC failure while the process exits: its 'exit' event reports what matters.
    worker.on('error', (error) => this.logger.warn(`API process ${slot.apiProcess}: ${error.message}`));
    return new Promise((resolve, reject) => {
      worker.on('online', () => {
        const snapshot = this.options.workerPart?.();
        if (snapshot) this.send(worker, { type: 'crm:worker-part', snapshot });
      });
      worker.on('message', (message: unknown) => {
        if (!isClusterMessage(message)) return;
        if ((message as ApiProcessMessage).type === 'crm:listening') {
          slot.listening = true;
          this.logger.log(`API process ${slot.apiProcess} listening (pid ${worker.process.pid})`);
          this.changed();
          resolve();
        } else this.receive(worker, message as ApiProcessMessage);
      });
      worker.once('exit', (code, signal) => {
        const why = signal ? `killed by ${signal}` : `exited with code ${code}`;
        const wasListening = slot.listening;
        slot.listening = false;
        if (slot.worker === worker) slot.worker = undefined;
        if (this.stopping) {
          this.changed();
          return resolve();
        }
        if (!wasListening && this.restarts === 0 && !this.lastCrash) {
          // It never listened on the first start (a port taken, a bad configuration): crm serve fails.
          return reject(new Error(`API process ${slot.apiProcess} ${why} before listening`));
        }
        this.crashed(slot, why);
      });
    });
  }

  private crashed(slot: Slot, why: string): void {
    this.restarts += 1;
    this.lastCrash = { at: new Date().toISOString(), error: why, apiProcess: slot.apiProcess };
    // One that ran a good while before crashing starts again soon; one that keeps crashing, ever later.
    if (Date.now() - slot.since >= this.backoff.resetAfterMs) slot.delayMs = this.backoff.initialMs;
    const delay = slot.delayMs;
    slot.delayMs = Math.min(this.backoff.maxMs, slot.delayMs * 2);
    this.logger.error(
      `API process ${slot.apiProcess} crashed (${why}); the others keep serving; starting it again in ${delay} ms`,
    );
    this.changed();
    slot.restartTimer = setTimeout(() => {
      if (!this.stopping) this.spawn(slot).catch(() => undefined);
    }, delay);
  }

  /** Records the change (the state file) and tells every API process. */
  private changed(): void {
    this.options.onChange?.();
    const snapshot = this.snapshot();
    for (const slot of this.slots)
      if (slot.worker) this.send(slot.worker, { type: 'crm:api-processes', snapshot });
  }

  private receive(from: Worker, message: ApiProcessMessage): void {
    switch (message.type) {
      case 'crm:engine':
        this.relayEngine(from, message.id, message.request);
        return;
      case 'crm:metrics-collect':
        this.collectMetrics(from, message.id);
        return;
      case 'crm:metrics': {
        const collect = this.collecting.get(message.id);
        if (!collect) return;
        collect.metrics.push(message.metrics);
        if (--collect.waiting === 0) collect.done();
      }
    }
  }

  private relayEngine(from: Worker, id: number, request: EngineRequest): void {
    const engine = this.options.engine;
    if (!engine) {
      this.send(from, {
        type: 'crm:engine-reply',
        id,
        error: {
          name: 'WorkerPartUnavailableError',
          message: 'No worker part in this process',
          code: 'ECONNREFUSED',
        },
      });
      return;
    }
    engine(request).then(
      (ok) => this.send(from, { type: 'crm:engine-reply', id, ok }),
      (error: unknown) => this.send(from, { type: 'crm:engine-reply', id, error: toForwardedError(error) }),
    );
  }

  /** Asks every other listening API process for its metrics; answers `from` with those in within the wait. */
  private collectMetrics(from: Worker, id: number): void {
    const others = this.slots
      .filter((s) => s.listening && s.worker && s.worker !== from)
      .map((s) => s.worker!);
    const collectId = ++this.nextCollect;
    const metrics: unknown[][] = [];
    let answered = false;
    const done = () => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      this.collecting.delete(collectId);
      this.send(from, { type: 'crm:metrics-collected', id, metrics });
    };
    const timer = setTimeout(done, METRICS_WAIT_MS);
    this.collecting.set(collectId, { metrics, waiting: others.length, done });
    if (others.length === 0) return done();
    for (const worker of others) this.send(worker, { type: 'crm:metrics-report', id: collectId });
  }

  private send(worker: Worker, message: PrimaryMessage): void {
    if (!worker.isConnected()) return;
    try {
      // With a callback, a message that cannot be sent (the channel closing while the process exits) fails
      // there instead of as an 'error' event, which, unhandled, would end crm serve with code 1.
      worker.send(message, undefined, () => undefined);
    } catch {
      // It is exiting: its 'exit' event reports it.
    }
  }
}
