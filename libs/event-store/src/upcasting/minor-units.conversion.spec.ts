import { MAX_MINOR_UNITS } from '@crm/domain';
import { majorToMinorUnits, minorUnitExponent } from './minor-units.conversion';
import { InvalidMajorAmountError } from './upcasting.errors';

describe('minorUnitExponent', () => {
  it.each([
    ['EUR', 2],
    ['USD', 2],
    ['GBP', 2],
    ['JPY', 0],
    ['KRW', 0],
    ['CLP', 0],
    ['ISK', 0],
    ['XOF', 0],
    ['KWD', 3],
    ['BHD', 3],
    ['JOD', 3],
    ['OMR', 3],
    ['TND', 3],
    ['IQD', 3],
    ['LYD', 3],
  ])('%s has %i decimals (ISO 4217)', (currency, exponent) => {
    expect(minorUnitExponent(currency)).toBe(exponent);
  });
});

describe('majorToMinorUnits', () => {
  it.each([
    [25.99, 'EUR', 2599],
    [0, 'EUR', 0],
    [-0, 'EUR', 0],
    [1, 'EUR', 100],
    [0.1, 'EUR', 10],
    [19.9, 'USD', 1990],
    [4.35, 'USD', 435], // 4.35 * 100 = 434.99999999999994 in floating point
    [1.15, 'GBP', 115], // 1.15 * 100 = 114.99999999999999
    [1234567.89, 'EUR', 123456789],
  ])('2 decimals: %p %s → %i', (amount, currency, minor) => {
    expect(majorToMinorUnits(amount, currency)).toBe(minor);
  });

  it.each([
    [1500, 'JPY', 1500],
    [0, 'JPY', 0],
    [1e21 / 1e12, 'KRW', 1e9],
    [99.5, 'JPY', 100], // sub-yen digits round half up
    [99.49, 'JPY', 99],
  ])('0 decimals: %p %s → %i', (amount, currency, minor) => {
    expect(majorToMinorUnits(amount, currency)).toBe(minor);
  });

  it.each([
    [12.345, 'KWD', 12345],
    [0.001, 'BHD', 1],
    [7.5, 'JOD', 7500],
    [1.0005, 'KWD', 1001],
    [1.0004, 'KWD', 1000],
  ])('3 decimals: %p %s → %i', (amount, currency, minor) => {
    expect(majorToMinorUnits(amount, currency)).toBe(minor);
  });

  it.each([
    // The decimal as written decides, not its binary approximation (1.005 is 1.00499999999999989…).
    [1.005, 'EUR', 101],
    [2.675, 'EUR', 268],
    [1.004999, 'EUR', 100],
    [25.995, 'EUR', 2600],
    [25.994, 'EUR', 2599],
    [0.125, 'EUR', 13],
    [0.30000000000000004, 'EUR', 30], // float noise of an old client
    [0.004, 'EUR', 0],
    [0.005, 'EUR', 1],
    [1e-7, 'EUR', 0], // String() is "1e-7": exponent notation is handled
  ])('rounds half away from zero on the decimal digits: %p %s → %i', (amount, currency, minor) => {
    expect(majorToMinorUnits(amount, currency)).toBe(minor);
  });

  it('accepts the largest amount the domain allows and rejects anything above', () => {
    expect(majorToMinorUnits(MAX_MINOR_UNITS / 100, 'EUR')).toBe(MAX_MINOR_UNITS);
    expect(() => majorToMinorUnits(MAX_MINOR_UNITS / 100 + 0.01, 'EUR')).toThrow(/exceeds/);
    expect(() => majorToMinorUnits(1e21, 'EUR')).toThrow(InvalidMajorAmountError); // "1e+21"
  });

  it.each([
    [NaN, 'EUR', /finite number/],
    [Infinity, 'EUR', /finite number/],
    [-1, 'EUR', /negative/],
    [-0.001, 'EUR', /negative/],
    ['25.99', 'EUR', /finite number/],
    [null, 'EUR', /finite number/],
    [undefined, 'EUR', /finite number/],
    [25.99, 'EURO', /ISO 4217/],
    [25.99, undefined, /ISO 4217/],
    [25.99, 'eur', /ISO 4217/],
  ])('rejects %p %p with a typed error', (amount, currency, message) => {
    let error: unknown;
    try {
      majorToMinorUnits(amount, currency);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidMajorAmountError);
    expect(error).toMatchObject({ code: 'INVALID_MAJOR_AMOUNT', amount, currency });
    expect((error as Error).message).toMatch(message);
  });

  it('names NaN as NaN in the message, not as JSON null', () => {
    expect(() => majorToMinorUnits(NaN, 'EUR')).toThrow('Cannot convert NaN "EUR" to minor units');
  });
});
