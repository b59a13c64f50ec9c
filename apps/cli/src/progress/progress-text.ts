/**
 * The pieces every long-running command's progress line is made of (`crm generate`, `import`, `replay`), so
 * they all read alike: `[#######.................]   30%  ...  41,220 ev/s  ETA 2s`.
 */

/** 0s, 59s, 1m05s, 2h03m. */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** 1,234,567 */
export const count = (n: number): string => Math.round(n).toLocaleString('en');

/** `[#######.................]   30%` for a share between 0 and 1 (clamped). */
export function progressBar(fraction: number, width = 24): string {
  const share = Math.max(0, Math.min(1, fraction));
  const filled = Math.round(share * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]  ${`${Math.floor(share * 100)}%`.padStart(4)}`;
}

/** The last field: `done in 1m15s` once finished, else `ETA 2s` (or `ETA ?` with nothing to go on yet). */
export function etaText(done: boolean, elapsedMs: number, remainingMs: number | undefined): string {
  if (done) return `done in ${duration(elapsedMs)}`;
  return `ETA ${remainingMs === undefined ? '?' : duration(remainingMs)}`;
}
