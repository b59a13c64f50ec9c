import { toIsoUtc } from './iso-time';

describe('toIsoUtc', () => {
  it('gives what a Date round trip gives, on the fast path and off it', () => {
    for (const value of [
      '2023-01-01T04:32:39.000Z',
      '2026-12-28T23:59:59.999Z',
      '2026-11-20T14:03:00Z',
      '2026-11-20T14:03:00+02:00',
      '2026-02-29T10:00:00.000Z',
      '2026-02-30T00:00:00.000Z',
      '2024-02-29T00:00:00.000Z',
      '2026-04-31T10:00:00.000Z',
      '2026-01-01T24:00:00.000Z',
      '2026-03-10T10:00:00.5Z',
    ]) {
      expect(toIsoUtc(value)).toBe(new Date(value).toISOString());
    }
  });

  it('keeps an unparseable value verbatim', () => {
    expect(toIsoUtc('2026-13-01T00:00:00.000Z')).toBe('2026-13-01T00:00:00.000Z');
    expect(toIsoUtc('yesterday')).toBe('yesterday');
  });
});
