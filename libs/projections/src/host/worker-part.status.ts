/** Where `crm serve` runs its worker part (relay, projectors, Kafka ingest channel). */
export const WORKER_PART_MODES = ['process', 'inline'] as const;
export type WorkerPartMode = (typeof WORKER_PART_MODES)[number];

/**
 * `starting`: booting (first time or after a crash); `running`: booted and reporting; `restarting`: it crashed
 * and waits for its next start (backoff); `stopping`/`stopped`: the process is shutting down.
 */
export const WORKER_PART_STATES = ['starting', 'running', 'restarting', 'stopping', 'stopped'] as const;
export type WorkerPartState = (typeof WORKER_PART_STATES)[number];

/** What the worker process reports about itself every second: what the API process cannot measure. */
export interface WorkerPartStats {
  /** The bus adapter the worker part publishes to and consumes from, and whether it answered its ping. */
  readonly bus: { readonly adapter: string; readonly up: boolean; readonly error?: string };
  /** Messages the in-process bus dead-lettered (absent with Kafka: its dead-letter topic is measured). */
  readonly deadLetters?: number;
  /** V8 heap and resident memory of the worker process (the API process's own are in the process metrics). */
  readonly heapUsedBytes: number;
  readonly rssBytes: number;
  /** Share of the last report interval its event loop was busy, 0..1. */
  readonly eventLoopUtilization: number;
  readonly reportedAt: string;
}

export interface WorkerPartCrash {
  readonly at: string;
  readonly error: string;
}

export interface WorkerPartSnapshot {
  readonly mode: WorkerPartMode;
  readonly state: WorkerPartState;
  /** The `crm serve` process that hosts it (`crm status` checks that it still lives). */
  readonly pid: number;
  /** The worker process itself, while it runs. */
  readonly workerPid?: number;
  /** Starts after a crash since the process started. */
  readonly restarts: number;
  /** When the current incarnation started. */
  readonly since: string;
  readonly lastCrash?: WorkerPartCrash;
  /** Scheduled start after a crash. */
  readonly nextStartAt?: string;
  readonly stats?: WorkerPartStats;
  /** `crm serve --api-processes n` with n > 1: its API processes (absent with one API process). */
  readonly api?: ApiProcessesSnapshot;
}

/** The API processes of `crm serve --api-processes n`, as its primary process sees them. */
export interface ApiProcessesSnapshot {
  /** How many were asked for. */
  readonly processes: number;
  /** How many are listening now. */
  readonly up: number;
  /** The pids of those listening, by process number (1..n). */
  readonly pids: Readonly<Record<string, number>>;
  /** Starts after a crash, all API processes together, since `crm serve` started. */
  readonly restarts: number;
  readonly lastCrash?: WorkerPartCrash & { readonly apiProcess: number };
}

/** The worker part as the API side of `crm serve` sees it (health, metrics). */
export interface WorkerPartStatus {
  snapshot(): WorkerPartSnapshot;
}

/** Injection token of the process's WorkerPartStatus; absent where the worker part is not hosted by this process. */
export const WORKER_PART = Symbol('WORKER_PART');
