import { Logger } from '@nestjs/common';
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fromForwardedError, WorkerPartUnavailableError } from './forwarded-engine.connection';
import {
  REPORT_EVERY_ENV,
  type EngineRequest,
  type HostMessage,
  type WorkerProcessMessage,
} from './worker-part.messages';
import { writeWorkerPartState } from './worker-part.state-file';
import type {
  ApiProcessesSnapshot,
  WorkerPartCrash,
  WorkerPartSnapshot,
  WorkerPartState,
  WorkerPartStats,
  WorkerPartStatus,
} from './worker-part.status';

export interface WorkerProcessHostOptions {
  /** DATA_DIR: where the state file for `crm status` goes. */
  readonly dataDir: string;
  /** The relay's lease owner: the same across restarts, so a restarted worker takes its lease back at once. */
  readonly workerId: string;
  readonly reportEveryMs?: number;
  /** How long a stop waits for the worker to drain before killing it. */
  readonly stopTimeoutMs?: number;
  /** Restart delays after a crash: doubled per crash up to `maxMs`, back to `initialMs` after a long run. */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number; readonly resetAfterMs: number };
  /** The worker's entry point (the compiled `worker-process.main.js` beside this file by default). */
  readonly script?: string;
  /** `crm serve --api-processes n`: its API processes, reported with the worker part (state file, /health). */
  readonly apiProcesses?: () => ApiProcessesSnapshot | undefined;
  /** Called on every change of state and every report of the worker (the primary relays them). */
  readonly onChange?: (snapshot: WorkerPartSnapshot) => void;
}

const DEFAULT_BACKOFF = { initialMs: 1_000, maxMs: 30_000, resetAfterMs: 60_000 };
/** Lines of the worker's stderr kept to say why it crashed. */
const STDERR_TAIL_LINES = 20;

/**
 * `crm serve`'s worker part (relay, projectors, Kafka ingest channel) in a child process: its own event loop,
 * heap and core, so request handling never waits behind a projector's batch, a SQLite commit of the read model
 * or a collection of the projectors' garbage. It opens the same files (SQLite in WAL mode: one writer at a time,
 * readers in any process). The embedded ClickHouse engine, which one process at a time may open, lives in the
 * worker process, where the projector's statements are; the API's analytics answers and SQL entrance reach it
 * over the IPC channel (`request`, forwardedAnalyticsEngine).
 *
 * A crash of the worker (an uncaught error, a failed boot, a native fault, a kill) never takes the API down: it
 * is logged, reported (`snapshot()`: /health, /metrics, and the state file `crm status` reads), and the worker
 * is started again after a backoff; meanwhile analytics answers are 503 ANALYTICS_UNAVAILABLE, everything else
 * is served. The projections stay exact (checkpoints are stored with their data).
 */
export class WorkerProcessHost implements WorkerPartStatus {
  private readonly logger = new Logger('WorkerPart');
  private readonly backoff: NonNullable<WorkerProcessHostOptions['backoff']>;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private nextRequest = 0;
  private readonly firstStart: Promise<void>;
  private firstStarted!: () => void;
  private child?: ChildProcess;
  private exited: Promise<void> = Promise.resolve();
  private state: WorkerPartState = 'stopped';
  private starts = 0;
  private since = new Date().toISOString();
  private lastCrash?: WorkerPartCrash;
  private nextStartAt?: string;
  private stats?: WorkerPartStats;
  private delayMs: number;
  private restartTimer?: NodeJS.Timeout;
  private stopping?: Promise<void>;

  constructor(private readonly options: WorkerProcessHostOptions) {
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.delayMs = this.backoff.initialMs;
    this.firstStart = new Promise((resolve) => (this.firstStarted = resolve));
  }

  /** Starts the worker; resolves once its first start is over (running, or crashed: it is retried). */
  start(): Promise<void> {
    if (!this.child && !this.stopping && this.starts === 0) this.spawn();
    return this.firstStart;
  }

  /** Runs a request on the worker's engine; rejects with WorkerPartUnavailableError while it is not running. */
  request(request: EngineRequest): Promise<unknown> {
    const child = this.child;
    if (!child || !child.connected || this.state !== 'running')
      return Promise.reject(new WorkerPartUnavailableError(this.state));
    const id = ++this.nextRequest;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.send(child, { type: 'request', id, request });
    });
  }

  snapshot(): WorkerPartSnapshot {
    const snapshot: WorkerPartSnapshot = {
      mode: 'process',
      state: this.state,
      pid: process.pid,
      ...(this.child?.pid !== undefined ? { workerPid: this.child.pid } : {}),
      restarts: Math.max(0, this.starts - 1),
      since: this.since,
      ...(this.lastCrash ? { lastCrash: this.lastCrash } : {}),
      ...(this.nextStartAt ? { nextStartAt: this.nextStartAt } : {}),
      ...(this.stats ? { stats: this.stats } : {}),
    };
    const api = this.options.apiProcesses?.();
    return api ? { ...snapshot, api } : snapshot;
  }

  /** Records and announces the current state again (the API processes changed). */
  touch(): void {
    this.enter(this.state);
  }

  /** Asks the worker to drain and exit; kills it if it has not within `stopTimeoutMs`. */
  stop(): Promise<void> {
    this.stopping ??= this.drain();
    return this.stopping;
  }

  private async drain(): Promise<void> {
    clearTimeout(this.restartTimer);
    this.nextStartAt = undefined;
    const child = this.child;
    if (child) {
      this.enter('stopping');
      this.send(child, { type: 'stop' });
      const killer = setTimeout(() => {
        this.logger.warn('Worker part did not drain in time; killing it');
        child.kill('SIGKILL');
      }, this.options.stopTimeoutMs ?? 60_000);
      await this.exited;
      clearTimeout(killer);
    } else this.enter('stopped');
  }

  private spawn(): void {
    this.starts += 1;
    this.since = new Date().toISOString();
    this.nextStartAt = undefined;
    this.stats = undefined;
    const child = fork(this.options.script ?? join(__dirname, 'worker-process.main.js'), [], {
      // Advanced serialization: statement results travel as bytes, not as JSON arrays of numbers.
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      env: {
        ...process.env,
        WORKER_ID: this.options.workerId,
        [REPORT_EVERY_ENV]: String(this.options.reportEveryMs ?? 1_000),
      },
    });
    this.child = child;
    let failure: string | undefined;
    const stderrTail: string[] = [];
    child.stderr?.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      stderrTail.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      stderrTail.splice(0, Math.max(0, stderrTail.length - STDERR_TAIL_LINES));
    });
    child.on('message', (message: WorkerProcessMessage) => {
      if (message.type === 'reply') {
        const waiter = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.error) waiter?.reject(fromForwardedError(message.error));
        else waiter?.resolve(message.ok);
      } else if (message.type === 'stats') {
        this.stats = message.stats;
        // API processes of `crm serve --api-processes n` see the worker part only through these relays.
        this.options.onChange?.(this.snapshot());
      } else if (message.type === 'boot-failed') failure = message.error;
      else if (message.type === 'ready' && this.state === 'starting') {
        this.enter('running');
        this.logger.log(`Worker part running in process ${child.pid} (start ${this.starts})`);
        this.firstStarted();
      }
    });
    child.on('error', (error) => (failure ??= error.message));
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        const why = signal ? `killed by ${signal}` : `exited with code ${code}`;
        const detail = failure ?? (stderrTail.length > 0 ? stderrTail.slice(-5).join('\n') : undefined);
        this.exit(child, detail ? `${why}: ${detail}` : why);
        resolve();
      }),
    );
    this.enter('starting');
  }

  private exit(child: ChildProcess, error: string): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.stats = undefined;
    for (const waiter of this.pending.values()) waiter.reject(new WorkerPartUnavailableError('gone'));
    this.pending.clear();
    this.firstStarted();
    if (this.stopping) {
      this.enter('stopped');
      return;
    }
    this.lastCrash = { at: new Date().toISOString(), error: error.slice(0, 2_000) };
    // A worker that ran a good while before crashing starts again soon; one that keeps crashing, ever later.
    if (Date.now() - Date.parse(this.since) >= this.backoff.resetAfterMs)
      this.delayMs = this.backoff.initialMs;
    const delay = this.delayMs;
    this.delayMs = Math.min(this.backoff.maxMs, this.delayMs * 2);
    this.nextStartAt = new Date(Date.now() + delay).toISOString();
    this.logger.error(`Worker part crashed (${error.split('\n')[0]}); starting it again in ${delay} ms`);
    this.enter('restarting');
    this.restartTimer = setTimeout(() => this.spawn(), delay);
  }

  private send(child: ChildProcess, message: HostMessage): void {
    if (!child.connected) return;
    try {
      child.send(message);
    } catch {
      // The worker is exiting: its 'exit' event reports it.
    }
  }

  private enter(state: WorkerPartState): void {
    this.state = state;
    const snapshot = this.snapshot();
    this.options.onChange?.(snapshot);
    try {
      writeWorkerPartState(this.options.dataDir, snapshot);
    } catch (error) {
      // Only `crm status` reads it; the API reports the state itself.
      this.logger.warn(
        `Worker part state not written to ${this.options.dataDir}: ${(error as Error).message}`,
      );
    }
  }
}
