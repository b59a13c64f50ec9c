import { PURCHASE_ACTIVITY } from './activity-profiles';
import { isoSeconds } from './iso-seconds';
import { DAY_MS, SeasonalClock } from './seasonal-clock';
import { SeededRandom } from '../random/seeded-random';

const from = Date.parse('2023-01-01T00:00:00Z');
const to = Date.parse('2026-01-01T00:00:00Z');
const clock = new SeasonalClock(PURCHASE_ACTIVITY, from, to);

describe('SeasonalClock', () => {
  it('maps calendar to operational time and back', () => {
    const random = new SeededRandom(1);
    for (let i = 0; i < 2000; i++) {
      const t = from - 5 * DAY_MS + random.float() * (to - from + 20 * DAY_MS);
      expect(Math.abs(clock.toCalendar(clock.toOperational(t)) - t)).toBeLessThan(1);
    }
  });

  it('advances as many operational days as calendar days over the window', () => {
    expect(clock.toOperational(to) - clock.toOperational(from)).toBeCloseTo((to - from) / DAY_MS, 6);
  });

  it('puts more activity in December than in February, and in the evening than at night', () => {
    const days = (a: string, b: string) =>
      clock.toOperational(Date.parse(b)) - clock.toOperational(Date.parse(a));
    expect(days('2024-12-01T00:00:00Z', '2024-12-29T00:00:00Z')).toBeGreaterThan(
      1.6 * days('2024-02-01T00:00:00Z', '2024-02-29T00:00:00Z'),
    );
    expect(days('2024-03-06T19:00:00Z', '2024-03-06T21:00:00Z')).toBeGreaterThan(
      10 * days('2024-03-06T02:00:00Z', '2024-03-06T04:00:00Z'),
    );
  });

  it('is monotonic', () => {
    let previous = -Infinity;
    for (let op = 0; op < 1100; op += 0.37) {
      const t = clock.toCalendar(op);
      expect(t).toBeGreaterThanOrEqual(previous);
      previous = t;
    }
  });
});

describe('isoSeconds', () => {
  it('formats like toISOString without milliseconds, across days', () => {
    const random = new SeededRandom(4);
    for (let i = 0; i < 5000; i++) {
      const ms = Math.floor((from + random.float() * (to - from)) / 1000) * 1000;
      expect(isoSeconds(ms)).toBe(`${new Date(ms).toISOString().slice(0, 19)}Z`);
    }
  });
});
