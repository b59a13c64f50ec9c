import { readFileSync } from 'node:fs';

/**
 * CPU time (user + system, ms) of this process's main thread so far, from Linux's /proc (USER_HZ ticks,
 * 10 ms), or undefined elsewhere. process.cpuUsage() sums every thread; with the parse thread beside it,
 * the main thread's share is the import's bound (it decides and appends every event).
 */
export function mainThreadCpuMs(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}
