import type { Money } from '@crm/domain';

/** Where customers live: ISO 3166-1 alpha-2, their currency (ISO 4217), a price level and reference data. */
export interface CountryData {
  readonly code: string;
  readonly weight: number;
  readonly currency: string;
  /** Local currency units per base unit (the spend model draws in base units, roughly US dollars). */
  readonly fx: number;
  /** Digits of the currency's minor unit (JPY has none). */
  readonly minorDigits: number;
  readonly callingCode: string;
  readonly names: 'it' | 'de' | 'fr' | 'es' | 'en' | 'nl' | 'sv' | 'pl' | 'ja' | 'pt';
  readonly cities: readonly string[];
}

export const COUNTRIES: readonly CountryData[] = [
  {
    code: 'US',
    weight: 22,
    currency: 'USD',
    fx: 1,
    minorDigits: 2,
    callingCode: '1',
    names: 'en',
    cities: ['New York', 'Chicago', 'Austin', 'Seattle', 'Denver', 'Atlanta'],
  },
  {
    code: 'DE',
    weight: 13,
    currency: 'EUR',
    fx: 0.92,
    minorDigits: 2,
    callingCode: '49',
    names: 'de',
    cities: ['Berlin', 'Hamburg', 'Munich', 'Cologne', 'Leipzig'],
  },
  {
    code: 'GB',
    weight: 11,
    currency: 'GBP',
    fx: 0.79,
    minorDigits: 2,
    callingCode: '44',
    names: 'en',
    cities: ['London', 'Manchester', 'Bristol', 'Leeds', 'Glasgow'],
  },
  {
    code: 'FR',
    weight: 9,
    currency: 'EUR',
    fx: 0.92,
    minorDigits: 2,
    callingCode: '33',
    names: 'fr',
    cities: ['Paris', 'Lyon', 'Marseille', 'Toulouse', 'Nantes'],
  },
  {
    code: 'IT',
    weight: 8,
    currency: 'EUR',
    fx: 0.92,
    minorDigits: 2,
    callingCode: '39',
    names: 'it',
    cities: ['Milano', 'Roma', 'Torino', 'Bologna', 'Napoli'],
  },
  {
    code: 'ES',
    weight: 6,
    currency: 'EUR',
    fx: 0.92,
    minorDigits: 2,
    callingCode: '34',
    names: 'es',
    cities: ['Madrid', 'Barcelona', 'Valencia', 'Sevilla', 'Bilbao'],
  },
  {
    code: 'NL',
    weight: 4,
    currency: 'EUR',
    fx: 0.92,
    minorDigits: 2,
    callingCode: '31',
    names: 'nl',
    cities: ['Amsterdam', 'Rotterdam', 'Utrecht', 'Eindhoven'],
  },
  {
    code: 'CA',
    weight: 5,
    currency: 'CAD',
    fx: 1.36,
    minorDigits: 2,
    callingCode: '1',
    names: 'en',
    cities: ['Toronto', 'Montreal', 'Vancouver', 'Calgary'],
  },
  {
    code: 'SE',
    weight: 3,
    currency: 'SEK',
    fx: 10.5,
    minorDigits: 2,
    callingCode: '46',
    names: 'sv',
    cities: ['Stockholm', 'Gothenburg', 'Malmo', 'Uppsala'],
  },
  {
    code: 'PL',
    weight: 4,
    currency: 'PLN',
    fx: 4.0,
    minorDigits: 2,
    callingCode: '48',
    names: 'pl',
    cities: ['Warsaw', 'Krakow', 'Wroclaw', 'Gdansk'],
  },
  {
    code: 'CH',
    weight: 2,
    currency: 'CHF',
    fx: 0.88,
    minorDigits: 2,
    callingCode: '41',
    names: 'de',
    cities: ['Zurich', 'Geneva', 'Basel', 'Bern'],
  },
  {
    code: 'JP',
    weight: 5,
    currency: 'JPY',
    fx: 150,
    minorDigits: 0,
    callingCode: '81',
    names: 'ja',
    cities: ['Tokyo', 'Osaka', 'Yokohama', 'Nagoya', 'Sapporo'],
  },
  {
    code: 'BR',
    weight: 4,
    currency: 'BRL',
    fx: 5.0,
    minorDigits: 2,
    callingCode: '55',
    names: 'pt',
    cities: ['Sao Paulo', 'Rio de Janeiro', 'Belo Horizonte', 'Curitiba'],
  },
  {
    code: 'AU',
    weight: 4,
    currency: 'AUD',
    fx: 1.5,
    minorDigits: 2,
    callingCode: '61',
    names: 'en',
    cities: ['Sydney', 'Melbourne', 'Brisbane', 'Perth'],
  },
];

/** The currency a sum is converted into: its code, rate from base units and minor-unit digits. */
export type CurrencyData = Pick<CountryData, 'currency' | 'fx' | 'minorDigits'>;

/** `base` units (roughly US dollars) in `c`'s currency, rounded to its minor unit, at least one. */
export const localMoney = (base: number, c: CurrencyData): Money => ({
  minor: Math.max(1, Math.round(base * c.fx * 10 ** c.minorDigits)),
  currency: c.currency,
});
