import { isCurrencyCode, MAX_MINOR_UNITS } from '@crm/domain';
import { InvalidMajorAmountError } from './upcasting.errors';

/**
 * ISO 4217 minor-unit exponents that are not 2, for the active codes of `ISO_4217_CURRENCIES`. A table, not
 * Intl: ICU's digits differ from ISO for some codes (IQD, for one) and vary with the host's ICU data, and a
 * replay must give the same numbers on every machine.
 */
const ZERO_DECIMALS = new Set([
  'BIF',
  'CLP',
  'DJF',
  'GNF',
  'ISK',
  'JPY',
  'KMF',
  'KRW',
  'PYG',
  'RWF',
  'UGX',
  'VND',
  'VUV',
  'XAF',
  'XOF',
  'XPF',
]);
const THREE_DECIMALS = new Set(['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND']);

/** Digits after the decimal point of the currency's minor unit: JPY 0, EUR 2, KWD 3. */
export function minorUnitExponent(currency: string): number {
  if (ZERO_DECIMALS.has(currency)) return 0;
  if (THREE_DECIMALS.has(currency)) return 3;
  return 2;
}

/** `String(n)` of a non-negative finite number: digits, optional fraction, optional exponent (1e-7, 1e+21). */
const DECIMAL = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/;

/**
 * Decimal major units (25.99 EUR) to integer minor units (2599), exactly.
 *
 * The arithmetic is on the number's shortest round-trip decimal string (`String(n)`, what JSON.stringify
 * wrote and what the publisher most likely sent), never on its binary value: 1.005 is stored as
 * 1.00499999999999989…, so `Math.round(1.005 * 100)` and `toFixed(2)` both give 100, while the amount
 * written was 1.005. Digits beyond the currency's precision are rounded half away from zero (amounts are
 * never negative, so: half up): 1.005 EUR → 101, 1.004999 EUR → 100, 0.5 JPY → 1, 0.30000000000000004
 * EUR (float noise of an old client) → 30. Rounding rather than rejecting, because v1 publishers computed
 * amounts in floating point and such noise is in the recorded history.
 */
export function majorToMinorUnits(amount: unknown, currency: unknown): number {
  if (!isCurrencyCode(currency)) {
    throw new InvalidMajorAmountError(amount, currency, 'currency must be an ISO 4217 code such as EUR');
  }
  if (typeof amount !== 'number' || !Number.isFinite(amount)) {
    throw new InvalidMajorAmountError(amount, currency, 'amount must be a finite number');
  }
  if (amount < 0) throw new InvalidMajorAmountError(amount, currency, 'amount must not be negative');

  const match = DECIMAL.exec(String(Math.abs(amount))); // abs: -0 reads as 0
  if (!match) throw new InvalidMajorAmountError(amount, currency, 'amount is not a decimal number');
  const [, whole, fraction = '', exponent = '0'] = match;
  // amount = digits × 10^-scale; minor = amount × 10^minorUnitExponent.
  const digits = BigInt(whole + fraction);
  const shift = minorUnitExponent(currency) - (fraction.length - Number(exponent));
  let minor: bigint;
  if (shift >= 0) {
    minor = digits * 10n ** BigInt(shift);
  } else {
    const divisor = 10n ** BigInt(-shift);
    const remainder = digits % divisor;
    minor = digits / divisor + (remainder * 2n >= divisor ? 1n : 0n);
  }
  if (minor > BigInt(MAX_MINOR_UNITS)) {
    throw new InvalidMajorAmountError(amount, currency, `amount exceeds ${MAX_MINOR_UNITS} minor units`);
  }
  return Number(minor);
}
