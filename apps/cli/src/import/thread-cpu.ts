import { readFileSync } from 'node:fs';

/**
 * CPU time (user + system, ms) of the calling thread so far, from Linux's /proc/thread-self (USER_HZ
 * ticks, 10 ms), or undefined elsewhere. process.cpuUsage() sums every thread of the process; with the
 * parse thread beside the main one, each thread's share says which of the two bounds the import.
 */
export function threadCpuMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** CPU time of the calling thread since `start` (an earlier threadCpuMs()), or undefined when unknown. */
export function threadCpuMsSince(start: number | undefined): number | undefined {
  const now = threadCpuMs();
  return start === undefined || now === undefined ? undefined : now - start;
}
