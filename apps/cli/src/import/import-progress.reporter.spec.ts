import { formatImportProgress, ImportProgressReporter } from './import-progress.reporter';

const at = (bytesRead: number, elapsedMs: number, events = 1_000) => ({
  bytesRead,
  lines: 750,
  events,
  appended: events,
  elapsedMs,
});

describe('formatImportProgress', () => {
  it('shows the share of the file, the rate and the time left at that rate', () => {
    // A quarter of the bytes in 2 s: 6 s to go; 1,000 events in 2 s: 500 ev/s.
    expect(formatImportProgress(at(250, 2_000), 1_000, 8)).toBe(
      '[##......]   25%  750 lines  1,000 events  500 ev/s  ETA 6s',
    );
    expect(formatImportProgress(at(1_000, 65_000, 130_000), 1_000, 4)).toBe(
      '[####]  100%  750 lines  130,000 events  2,000 ev/s  done in 1m05s',
    );
  });

  it('has no bar and no ETA when the size is unknown (standard input)', () => {
    expect(formatImportProgress(at(250, 2_000))).toBe('750 lines  1,000 events  500 ev/s');
  });
});

describe('ImportProgressReporter', () => {
  const sink = (isTTY: boolean) => {
    const written: string[] = [];
    return { isTTY, written, write: (text: string) => written.push(text) };
  };

  it('redraws one line in place on a terminal, at most ten times a second, and ends it with a newline', () => {
    const out = sink(true);
    let now = 0;
    const reporter = new ImportProgressReporter(out, 1_000, 5_000, () => now);
    reporter.update(at(100, 100));
    now = 50;
    reporter.update(at(200, 150)); // too soon: not drawn, but kept for the end
    reporter.end();
    expect(out.written).toHaveLength(3);
    expect(out.written[0]).toMatch(/^\r\[.*10%/);
    expect(out.written[0].endsWith('\u001b[K')).toBe(true); // clears what a longer line left
    expect(out.written[1]).toMatch(/^\r\[.*20%/);
    expect(out.written[2]).toBe('\n');
  });

  it('writes plain lines every few seconds when stderr is not a terminal, and the final state once', () => {
    const out = sink(false);
    let now = 0;
    const reporter = new ImportProgressReporter(out, 1_000, 5_000, () => now);
    for (let i = 1; i <= 10; i++) {
      now = i * 1_000;
      reporter.update(at(i * 100, now));
    }
    reporter.end();
    // At 1 s (first), 6 s (5 s later), then the final state at 10 s.
    expect(out.written.map((l) => l.match(/(\d+)%/)?.[1])).toEqual(['10', '60', '100']);
    expect(out.written.every((l) => l.endsWith('\n') && !l.includes('\r'))).toBe(true);
  });
});
