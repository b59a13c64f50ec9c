import { Logger } from '@nestjs/common';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { WorkerThreadData, WorkerThreadMessage, WorkerThreadStop } from './worker-part.messages';
import { writeWorkerPartState } from './worker-part.state-file';
import type {
  WorkerPartCrash,
  WorkerPartSnapshot,
  WorkerPartState,
  WorkerPartStats,
  WorkerPartStatus,
} from './worker-part.status';

export interface WorkerThreadHostOptions {
  /** DATA_DIR: where the state file for `crm status` goes. */
  readonly dataDir: string;
  /** Fault injection for tests: the first incarnation throws this long after it starts. */
  readonly crashAfterMs?: number;
  readonly reportEveryMs?: number;
  /** How long a stop waits for the thread to drain before terminating it. */
  readonly stopTimeoutMs?: number;
  /** Restart delays after a crash: doubled per crash up to `maxMs`, back to `initialMs` after a long run. */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number; readonly resetAfterMs: number };
  /** The thread's entry point (the compiled `worker-thread.main.js` beside this file by default). */
  readonly script?: string;
}

const DEFAULT_BACKOFF = { initialMs: 1_000, maxMs: 30_000, resetAfterMs: 60_000 };

/**
 * `crm serve`'s worker part (relay, projectors, Kafka ingest channel) in a worker thread of the API process:
 * its own event loop and V8 heap, so request handling never waits behind a projector's batch, a SQLite commit
 * of the read model or a garbage collection of the projectors' heap. The thread opens its own connections to
 * the same files (SQLite in WAL mode takes one writer and many readers) and to the same embedded ClickHouse
 * engine (libchdb is one engine per process, shared by its threads), so the API keeps answering analytics and
 * the SQL entrance as before.
 *
 * A crash of the thread (an uncaught error, a failed boot) does not stop the API: it is logged, reported
 * (`snapshot()`, /health, the state file `crm status` reads), and the thread is started again after a backoff.
 * The projections are exact after a restart (checkpoints are stored with the data they cover).
 */
export class WorkerThreadHost implements WorkerPartStatus {
  private readonly logger = new Logger('WorkerPart');
  private readonly backoff: NonNullable<WorkerThreadHostOptions['backoff']>;
  private worker?: Worker;
  private exited: Promise<void> = Promise.resolve();
  private state: WorkerPartState = 'stopped';
  private incarnation = 0;
  private since = new Date().toISOString();
  private lastCrash?: WorkerPartCrash;
  private nextStartAt?: string;
  private stats?: WorkerPartStats;
  private delayMs: number;
  private restartTimer?: NodeJS.Timeout;
  private stopping?: Promise<void>;

  constructor(private readonly options: WorkerThreadHostOptions) {
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.delayMs = this.backoff.initialMs;
  }

  start(): void {
    if (this.worker || this.stopping) return;
    this.spawn();
  }

  snapshot(): WorkerPartSnapshot {
    return {
      mode: 'thread',
      state: this.state,
      pid: process.pid,
      restarts: Math.max(0, this.incarnation - 1),
      since: this.since,
      ...(this.lastCrash ? { lastCrash: this.lastCrash } : {}),
      ...(this.nextStartAt ? { nextStartAt: this.nextStartAt } : {}),
      ...(this.stats ? { stats: this.stats } : {}),
    };
  }

  /** Asks the thread to drain and exit; terminates it if it has not within `stopTimeoutMs`. */
  stop(): Promise<void> {
    this.stopping ??= this.drain();
    return this.stopping;
  }

  private async drain(): Promise<void> {
    clearTimeout(this.restartTimer);
    this.nextStartAt = undefined;
    const worker = this.worker;
    if (!worker) {
      this.enter('stopped');
      return;
    }
    this.enter('stopping');
    const stop: WorkerThreadStop = { type: 'stop' };
    worker.postMessage(stop);
    const killer = setTimeout(() => {
      this.logger.warn('Worker part did not drain in time; terminating it');
      void worker.terminate();
    }, this.options.stopTimeoutMs ?? 60_000);
    await this.exited;
    clearTimeout(killer);
  }

  private spawn(): void {
    this.incarnation += 1;
    this.since = new Date().toISOString();
    this.nextStartAt = undefined;
    this.stats = undefined;
    const data: WorkerThreadData = {
      incarnation: this.incarnation,
      reportEveryMs: this.options.reportEveryMs ?? 1_000,
      ...(this.incarnation === 1 && this.options.crashAfterMs !== undefined
        ? { crashAfterMs: this.options.crashAfterMs }
        : {}),
    };
    const worker = new Worker(this.options.script ?? join(__dirname, 'worker-thread.main.js'), {
      workerData: data,
    });
    this.worker = worker;
    let failure: string | undefined;
    worker.on('message', (message: WorkerThreadMessage) => {
      if (message.type === 'stats') this.stats = message.stats;
      else if (message.type === 'boot-failed') failure = message.error;
      else if (message.type === 'ready' && this.state === 'starting') {
        this.enter('running');
        this.logger.log(`Worker part running in a worker thread (start ${this.incarnation})`);
      }
    });
    worker.on('error', (error) => (failure = error.stack ?? error.message));
    this.exited = new Promise((resolve) =>
      worker.once('exit', (code) => {
        this.exit(worker, code, failure);
        resolve();
      }),
    );
    this.enter('starting');
  }

  private exit(worker: Worker, code: number, failure: string | undefined): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.stats = undefined;
    if (this.stopping) {
      this.enter('stopped');
      return;
    }
    const error = failure ?? `the worker thread exited with code ${code}`;
    this.lastCrash = { at: new Date().toISOString(), error: error.slice(0, 2_000) };
    // A part that ran a good while before crashing starts again soon; one that keeps crashing, ever later.
    if (Date.now() - Date.parse(this.since) >= this.backoff.resetAfterMs)
      this.delayMs = this.backoff.initialMs;
    const delay = this.delayMs;
    this.delayMs = Math.min(this.backoff.maxMs, this.delayMs * 2);
    this.nextStartAt = new Date(Date.now() + delay).toISOString();
    this.logger.error(`Worker part crashed (${error.split('\n')[0]}); starting it again in ${delay} ms`);
    this.enter('restarting');
    this.restartTimer = setTimeout(() => this.spawn(), delay);
  }

  private enter(state: WorkerPartState): void {
    this.state = state;
    try {
      writeWorkerPartState(this.options.dataDir, this.snapshot());
    } catch (error) {
      // Only `crm status` reads it; the API reports the state itself.
      this.logger.warn(
        `Worker part state not written to ${this.options.dataDir}: ${(error as Error).message}`,
      );
    }
  }
}
