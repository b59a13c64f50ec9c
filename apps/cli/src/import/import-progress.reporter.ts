import { count, etaText, progressBar } from '../progress/progress-text';
import type { ImportProgress } from './purchase-log.importer';

/**
 * `[##########..............]   42%  2,906 lines  3,896 events  1,950 ev/s  ETA 3s`: the share is of the
 * source's bytes (known for a file, not for standard input); the ETA extrapolates the byte rate so far.
 */
export function formatImportProgress(progress: ImportProgress, totalBytes?: number, barWidth = 24): string {
  const rate = progress.elapsedMs > 0 ? (progress.events * 1000) / progress.elapsedMs : 0;
  const parts = [`${count(progress.lines)} lines`, `${count(progress.events)} events`, `${count(rate)} ev/s`];
  if (!totalBytes) return parts.join('  ');
  const fraction = Math.max(0, Math.min(1, progress.bytesRead / totalBytes));
  const remainingMs =
    fraction > 0 && progress.elapsedMs > 0 ? (progress.elapsedMs * (1 - fraction)) / fraction : undefined;
  return [
    progressBar(fraction, barWidth),
    ...parts,
    etaText(fraction >= 1, progress.elapsedMs, remainingMs),
  ].join('  ');
}

export interface ProgressSink {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/**
 * Progress on stderr. On a terminal one line redrawn in place (at most 10 times a second); in a file or a pipe
 * a plain line every `plainEveryMs` (default 5 s), so logs stay readable. `end()` writes the final state.
 */
export class ImportProgressReporter {
  private last?: ImportProgress;
  private shown?: ImportProgress;
  private lastWrite = -Infinity;
  private readonly tty: boolean;

  constructor(
    private readonly sink: ProgressSink,
    private readonly totalBytes?: number,
    private readonly plainEveryMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {
    this.tty = sink.isTTY === true;
  }

  readonly update = (progress: ImportProgress): void => {
    this.last = progress;
    const at = this.now();
    if (at - this.lastWrite < (this.tty ? 100 : this.plainEveryMs)) return;
    this.lastWrite = at;
    this.draw(progress);
  };

  end(): void {
    if (this.last && this.last !== this.shown) this.draw(this.last);
    if (this.tty && this.shown) this.sink.write('\n');
  }

  private draw(progress: ImportProgress): void {
    const line = formatImportProgress(progress, this.totalBytes);
    this.sink.write(this.tty ? `\r${line}\x1b[K` : `${line}\n`);
    this.shown = progress;
  }
}
