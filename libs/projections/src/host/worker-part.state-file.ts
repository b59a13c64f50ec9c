import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkerPartSnapshot } from './worker-part.status';

/**
 * `crm serve` writes its worker part's state to DATA_DIR on every change, so that `crm status`, another process,
 * can say that the worker crashed and is restarting (the read model's checkpoints only show it stalling later).
 */
export const WORKER_PART_STATE_FILE = 'serve-worker.json';

export function writeWorkerPartState(dataDir: string, snapshot: WorkerPartSnapshot): void {
  const file = join(dataDir, WORKER_PART_STATE_FILE);
  const partial = `${file}.${process.pid}.tmp`;
  // Written aside then renamed: a reader never sees half a file.
  writeFileSync(partial, `${JSON.stringify(snapshot, null, 2)}\n`);
  renameSync(partial, file);
}

/** The state as `crm status` reports it: the file's, or `gone` when the process that wrote it no longer runs. */
export type ReportedWorkerPart = (WorkerPartSnapshot & { readonly processAlive: boolean }) | undefined;

export function readWorkerPartState(dataDir: string): ReportedWorkerPart {
  let snapshot: WorkerPartSnapshot;
  try {
    snapshot = JSON.parse(readFileSync(join(dataDir, WORKER_PART_STATE_FILE), 'utf8')) as WorkerPartSnapshot;
  } catch {
    return undefined; // never served from this directory, or an unreadable file: nothing to report
  }
  return { ...snapshot, processAlive: processAlive(snapshot.pid) };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
