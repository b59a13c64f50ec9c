import type { WorkerPartStats } from './worker-part.status';

/** What the host gives the worker thread at its start. */
export interface WorkerThreadData {
  /** 1 for the first start, then one more per restart. */
  readonly incarnation: number;
  /** Fault injection for tests (`crm serve --crash-worker-after`): the first incarnation throws after this long. */
  readonly crashAfterMs?: number;
  /** How often the thread reports its stats. */
  readonly reportEveryMs: number;
}

/** Thread -> host. */
export type WorkerThreadMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'stats'; readonly stats: WorkerPartStats }
  | { readonly type: 'boot-failed'; readonly error: string };

/** Host -> thread: finish the batches in hand, hand the relay lease over, and exit. */
export interface WorkerThreadStop {
  readonly type: 'stop';
}
