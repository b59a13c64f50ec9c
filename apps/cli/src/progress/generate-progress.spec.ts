import type { GenerateProgress } from '@crm/generator';
import { estimateRemainingMs, formatProgress } from './generate-progress';
import { duration } from './progress-text';

const progress = (over: Partial<GenerateProgress>): GenerateProgress => ({
  eventsWritten: 2_500_000,
  customersDone: 400_000,
  customersTotal: 1_000_000,
  simulatedTime: '2024-03-01T10:00:00.000Z',
  fraction: 0.25,
  elapsedMs: 20_000,
  ...over,
});

describe('progress formatter', () => {
  it('shows the bar, counts, rate and an ETA extrapolated from the simulated share', () => {
    const line = formatProgress(progress({}), 8);
    expect(line).toBe(
      '[##......]   25%  2,500,000 events  125,000 ev/s  400,000/1,000,000 customers  at 2024-03-01  ETA 1m00s',
    );
  });

  it('has no ETA before there is anything to extrapolate, and says done at the end', () => {
    expect(estimateRemainingMs(progress({ fraction: 0, elapsedMs: 3000 }))).toBeUndefined();
    expect(estimateRemainingMs(progress({ fraction: 0.5, elapsedMs: 100 }))).toBeUndefined();
    expect(formatProgress(progress({ fraction: 0, elapsedMs: 0 }))).toMatch(/ETA \?$/);
    expect(formatProgress(progress({ fraction: 1, elapsedMs: 75_000 }), 4)).toMatch(
      /^\[####\] {2}100% .* done in 1m15s$/,
    );
  });

  it('formats durations', () => {
    expect([0, 59_400, 65_000, 7_380_000].map(duration)).toEqual(['0s', '59s', '1m05s', '2h03m']);
  });
});
