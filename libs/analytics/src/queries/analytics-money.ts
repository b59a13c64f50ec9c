import { minorUnitDigits } from '../currency-units';

/**
 * An amount in one currency as the answers return it: integer minor units plus the currency (the stored
 * truth), and the same amount as a decimal string for display. Answers never add amounts of two currencies.
 */
export interface MoneyAmount {
  readonly minor: number;
  readonly currency: string;
  /** `minor` in major units with the currency's decimals: 123456 EUR -> "1234.56", 500 JPY -> "500". */
  readonly decimal: string;
}

/**
 * Averages and model predictions are fractional in minor units: they are rounded half away from zero to
 * whole minor units here (the unrounded value stays available in the field it came from, where one is kept).
 */
export function moneyAmount(minor: number, currency: string): MoneyAmount {
  const whole = Math.sign(minor) * Math.round(Math.abs(minor));
  return { minor: whole === 0 ? 0 : whole, currency, decimal: formatMinor(whole, currency) };
}

export function formatMinor(minor: number, currency: string): string {
  const digits = minorUnitDigits(currency);
  const sign = minor < 0 ? '-' : '';
  const text = String(Math.abs(minor)).padStart(digits + 1, '0');
  if (digits === 0) return `${sign}${text}`;
  return `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}
