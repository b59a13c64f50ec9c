/**
 * Decimal places of the minor unit per ISO 4217 currency (ISO 4217 table; 2 unless listed). Needed where
 * amounts cross between major units (import files, model spend scales) and integer minor units.
 */
const ZERO_DECIMALS = new Set(
  'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF'.split(' '),
);
const THREE_DECIMALS = new Set('BHD IQD JOD KWD LYD OMR TND'.split(' '));

export function minorUnitDigits(currency: string): number {
  if (ZERO_DECIMALS.has(currency)) return 0;
  if (THREE_DECIMALS.has(currency)) return 3;
  return 2;
}

/** Minor units per major unit: 100 for EUR, 1 for JPY. */
export function minorPerMajor(currency: string): number {
  return 10 ** minorUnitDigits(currency);
}

/**
 * Exact conversion of a decimal amount in major units ("11.77") to integer minor units (1177), without going
 * through floating point. Extra decimals are accepted only when they are zeros ("12.500" in EUR).
 */
export function decimalToMinor(text: string, currency: string): number {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!match) throw new RangeError(`not a non-negative decimal amount: ${JSON.stringify(text)}`);
  const digits = minorUnitDigits(currency);
  const fraction = match[2] ?? '';
  if (/[1-9]/.test(fraction.slice(digits))) {
    throw new RangeError(`${text} has more decimals than ${currency} minor units (${digits})`);
  }
  const minor = Number(match[1] + fraction.slice(0, digits).padEnd(digits, '0'));
  if (!Number.isSafeInteger(minor)) throw new RangeError(`${text} is too large`);
  return minor;
}
