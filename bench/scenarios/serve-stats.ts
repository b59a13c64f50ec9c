import { readWorkerPartState } from '@crm/projections';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces); undefined if unreadable. */
function statFields(pid: number | 'self' | undefined): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) a process has used so far, in seconds; undefined if it cannot be read (not Linux). */
export function procCpuSeconds(pid: number | undefined): number | undefined {
  const fields = statFields(pid);
  // utime and stime are the 12th and 13th fields after the command name.
  return fields && (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU time (user + system) a process has used so far, in seconds; 0 if it cannot be read (not Linux). */
export function cpuSeconds(pid: number): number {
  return procCpuSeconds(pid) ?? 0;
}

/**
 * CPU seconds of this process's children that have exited and been waited for (cutime + cstime of
 * /proc/self/stat); undefined if it cannot be read (not Linux).
 */
export function reapedChildrenCpuSeconds(): number | undefined {
  const fields = statFields('self');
  return fields && (Number(fields[13]) + Number(fields[14])) / 100;
}

/** The pid of `crm serve`'s worker part (the child it forks), from the state file it keeps in DATA_DIR. */
export function workerPartPid(dataDir: string): number | undefined {
  return readWorkerPartState(dataDir)?.workerPid;
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
