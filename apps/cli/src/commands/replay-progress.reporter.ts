import type { RebuildProgress } from '@crm/read-model';
import { count, duration, progressBar } from '../progress/progress-text';

/**
 * `customer-read-model  [#######.................]  30%  position 30000/100000  41,220 ev/s  ETA 2s`
 * Positions are printed plain (scripts and tests read them).
 */
export function formatReplayProgress(p: RebuildProgress, barWidth = 24): string {
  return [
    p.projection,
    progressBar(p.fraction, barWidth),
    `position ${p.position}/${p.targetPosition}`,
    `${count(p.eventsPerSecond)} ev/s`,
    p.phase === 'done'
      ? `done in ${duration(p.elapsedMs)}`
      : p.phase === 'swapping'
        ? 'swapping'
        : `ETA ${p.etaMs === undefined ? '?' : duration(p.etaMs)}`,
  ].join('  ');
}

/**
 * Draws the progress on stderr: redrawn in place on a terminal (at most 10 times a second), one line per
 * second otherwise (logs, pipes, tests), plus the first and the last.
 */
export class ReplayProgressReporter {
  private lastAt = 0;
  private drawn = false;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly now: () => number = Date.now,
  ) {}

  update = (progress: RebuildProgress): void => {
    const tty = this.out.isTTY === true;
    const last = progress.phase !== 'building';
    const t = this.now();
    if (this.drawn && !last && t - this.lastAt < (tty ? 100 : 1000)) return;
    this.lastAt = t;
    this.drawn = true;
    const line = formatReplayProgress(progress);
    this.out.write(tty ? `\r${line}\u001b[K${progress.phase === 'done' ? '\n' : ''}` : `${line}\n`);
  };

  /** Ends an in-place line that did not reach `done` (an error follows). */
  end(): void {
    if (this.drawn && this.out.isTTY) this.out.write('\n');
    this.drawn = false;
  }
}
