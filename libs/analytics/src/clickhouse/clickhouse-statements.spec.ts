import { fromClickHouseDateTime, toClickHouseDateTime } from './clickhouse-statements';

describe('toClickHouseDateTime', () => {
  it('cuts the store notation into DateTime64 text', () => {
    expect(toClickHouseDateTime('2026-11-20T14:03:00.123Z')).toBe('2026-11-20 14:03:00.123');
  });

  it('normalises other ISO 8601 notations to UTC with milliseconds', () => {
    expect(toClickHouseDateTime('2026-11-20T15:03:00+01:00')).toBe('2026-11-20 14:03:00.000');
    expect(toClickHouseDateTime(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)))).toBe('2026-01-02 03:04:05.006');
  });

  it('never passes an impossible calendar day through as text', () => {
    // Date.parse rolls Feb 30 over to Mar 2; the fast path must not hand "02-30" to ClickHouse.
    expect(toClickHouseDateTime('2026-02-30T00:00:00.000Z')).toBe('2026-03-02 00:00:00.000');
  });

  it('refuses what is not a date-time', () => {
    expect(() => toClickHouseDateTime('yesterday')).toThrow(RangeError);
    expect(() => toClickHouseDateTime('2026-99-99T00:00:00.000Z')).toThrow(RangeError);
  });

  it('round-trips with fromClickHouseDateTime', () => {
    expect(fromClickHouseDateTime(toClickHouseDateTime('2026-11-20T14:03:00.120Z'))).toBe(
      '2026-11-20T14:03:00.120Z',
    );
  });
});
