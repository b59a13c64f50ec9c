import type { GenerateProgress } from '../generate';

/**
 * Time left, from the share of the simulated window done so far. Events per simulated day grow as the
 * population grows, so early estimates run short; they settle as the run goes on. Undefined until there is
 * something to extrapolate from.
 */
export function estimateRemainingMs(progress: GenerateProgress): number | undefined {
  const { fraction, elapsedMs } = progress;
  if (fraction >= 1) return 0;
  if (!(fraction > 0.001) || elapsedMs < 500) return undefined;
  return (elapsedMs * (1 - fraction)) / fraction;
}

/** `[#######.............]  35%  3,512,004 events  141,220 ev/s  412,000/1,000,000 customers  ETA 1m05s` */
export function formatProgress(progress: GenerateProgress, barWidth = 24): string {
  const fraction = Math.max(0, Math.min(1, progress.fraction));
  const filled = Math.round(fraction * barWidth);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]`;
  const rate = progress.elapsedMs > 0 ? (progress.eventsWritten * 1000) / progress.elapsedMs : 0;
  const remaining = estimateRemainingMs(progress);
  return [
    bar,
    `${Math.floor(fraction * 100)}%`.padStart(4),
    `${count(progress.eventsWritten)} events`,
    `${count(Math.round(rate))} ev/s`,
    `${count(progress.customersDone)}/${count(progress.customersTotal)} customers`,
    `at ${progress.simulatedTime.slice(0, 10)}`,
    fraction >= 1
      ? `done in ${duration(progress.elapsedMs)}`
      : `ETA ${remaining === undefined ? '?' : duration(remaining)}`,
  ].join('  ');
}

/** 0s, 59s, 1m05s, 2h03m. */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

const count = (n: number) => n.toLocaleString('en');
