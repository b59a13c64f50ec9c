import { checkDay } from '@crm/analytics';
import { DAY_PATTERN } from './openapi-schemas';

const accepted = (value: string) => {
  try {
    checkDay('day', value);
    return true;
  } catch {
    return false;
  }
};

/** The document must say what the server does, both ways: a day the pattern allows is one the server takes. */
describe('DAY_PATTERN', () => {
  const pattern = new RegExp(DAY_PATTERN);

  it('matches exactly the days the analytics answers accept, every day from 1969 to 2150', () => {
    const disagreements: string[] = [];
    for (let t = Date.UTC(1969, 0, 1); t <= Date.UTC(2150, 11, 31); t += 86_400_000) {
      const day = new Date(t).toISOString().slice(0, 10);
      if (pattern.test(day) !== accepted(day)) disagreements.push(day);
    }
    expect(disagreements).toEqual([]);
  });

  it.each([
    '2025-02-29',
    '2100-02-29',
    '2025-04-31',
    '2025-13-01',
    '2025-00-10',
    '2025-1-01',
    '20250101',
    '',
  ])('refuses %p as the server does', (value) => {
    expect(pattern.test(value)).toBe(false);
    expect(accepted(value)).toBe(false);
  });

  it.each(['2024-02-29', '2000-02-29', '1972-02-29', '2148-02-29', '2149-06-06', '1970-01-01'])(
    'accepts %p as the server does',
    (value) => {
      expect(pattern.test(value)).toBe(true);
      expect(accepted(value)).toBe(true);
    },
  );
});
