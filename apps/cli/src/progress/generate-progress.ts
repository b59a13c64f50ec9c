import type { GenerateProgress } from '@crm/generator';
import { count, etaText, progressBar } from './progress-text';

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

/** `[#######.............]   35%  3,512,004 events  141,220 ev/s  412,000/1,000,000 customers  ETA 1m05s` */
export function formatProgress(progress: GenerateProgress, barWidth = 24): string {
  const rate = progress.elapsedMs > 0 ? (progress.eventsWritten * 1000) / progress.elapsedMs : 0;
  return [
    progressBar(progress.fraction, barWidth),
    `${count(progress.eventsWritten)} events`,
    `${count(rate)} ev/s`,
    `${count(progress.customersDone)}/${count(progress.customersTotal)} customers`,
    `at ${progress.simulatedTime.slice(0, 10)}`,
    etaText(progress.fraction >= 1, progress.elapsedMs, estimateRemainingMs(progress)),
  ].join('  ');
}
