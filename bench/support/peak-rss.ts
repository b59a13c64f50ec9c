import { readFileSync } from 'node:fs';

/**
 * This process's peak resident memory, in bytes. On Linux, VmHWM of /proc/self/status: the high-water mark
 * of this program's own address space. Not getrusage's maxRSS, which a child started by Node inherits from
 * its parent across exec (the bench runner's few hundred MiB would show up as every child's peak).
 */
export function peakRssBytes(): number {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) * 1024;
  } catch {
    // not Linux: fall through
  }
  return process.resourceUsage().maxRSS * 1024;
}
