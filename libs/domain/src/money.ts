/** Money as integer minor units (cents, pence, yen) plus an ISO 4217 code: never a float. */
export interface Money {
  readonly minor: number;
  readonly currency: string;
}

/**
 * Active ISO 4217 codes. Kept in the domain (not a library) so validation is the same in every process
 * and never depends on the host's ICU data.
 */
export const ISO_4217_CURRENCIES: ReadonlySet<string> = new Set(
  (
    'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD ' +
    'CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD ' +
    'GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT ' +
    'LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR ' +
    'NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP ' +
    'STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG ' +
    'XOF XPF YER ZAR ZMW ZWG'
  ).split(' '),
);

export function isCurrencyCode(value: unknown): value is string {
  return typeof value === 'string' && ISO_4217_CURRENCIES.has(value);
}

/** Largest amount accepted in minor units: keeps sums of many purchases exact in IEEE doubles. */
export const MAX_MINOR_UNITS = 1_000_000_000_000;

export function isMinorUnits(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= MAX_MINOR_UNITS;
}

/** Whether a value is Money the contract accepts: integer minor units within bounds, ISO 4217 currency. */
export function isValidMoney(value: unknown): value is Money {
  if (typeof value !== 'object' || value === null) return false;
  const { minor, currency } = value as Partial<Money>;
  return isMinorUnits(minor) && isCurrencyCode(currency);
}
