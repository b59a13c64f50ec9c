import {
  checkDay,
  InvalidAnalyticsParameterError,
  type AsOfParams,
  type CustomerFilter,
  type PeriodParams,
} from '@crm/analytics';
import { missingParameter } from './analytics-problems';

/**
 * Query strings to the answers' parameters. Values are only checked for presence and shape here; the answers
 * validate ranges themselves (one set of rules for the API, the CLI and tests), and their errors name the
 * parameter, which the problem filter turns into `$query.<name>`.
 */
export type RawQuery = Record<string, unknown>;

/**
 * A single string value: a parameter given twice (`?a=1&a=2`) or as an object is refused, and so is one given
 * empty (`?channel=`): absent is omitted, not blank, so a client's unset variable is not a silent default.
 */
export function text(query: RawQuery, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw new InvalidAnalyticsParameterError(name, `${name} must be given once, as a single value`);
  }
  if (value === '')
    throw new InvalidAnalyticsParameterError(name, `${name} must not be empty (omit it instead)`);
  return value;
}

/** JSON's number syntax (`0.5`, `-2`, `1e-5`): what clients and the OpenAPI `number` type produce. */
const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

export function numberParam(query: RawQuery, name: string, fallback: number): number {
  const raw = text(query, name);
  if (raw === undefined) return fallback;
  if (!NUMBER.test(raw)) throw new InvalidAnalyticsParameterError(name, `${name} must be a number`);
  return Number(raw);
}

/** `true` or `false`; absent: the fallback. */
export function booleanParam(query: RawQuery, name: string, fallback: boolean): boolean {
  const value = text(query, name);
  if (value === undefined) return fallback;
  if (value !== 'true' && value !== 'false') {
    throw new InvalidAnalyticsParameterError(name, `${name} must be true or false`);
  }
  return value === 'true';
}

const today = () => new Date().toISOString().slice(0, 10);

/** The first day the analytical store holds (ClickHouse's Date): a default never reaches before it. */
const FIRST_DAY = '1970-01-01';

/** The first day of the month 11 months before `to`'s month: with `to`, twelve calendar months. */
function twelveMonthsBefore(to: string): string {
  const year = Number(to.slice(0, 4));
  const month = Number(to.slice(5, 7));
  const start = new Date(Date.UTC(year, month - 12, 1)).toISOString().slice(0, 10);
  return start < FIRST_DAY ? FIRST_DAY : start;
}

export const CURRENCY_HINT = 'an ISO 4217 code such as EUR; amounts are never added across currencies';

export function currencyParam(query: RawQuery): string {
  const currency = text(query, 'currency');
  if (currency === undefined) throw missingParameter('currency', CURRENCY_HINT);
  return currency;
}

/** `cutoff` (default today, UTC) and `currency` (required). */
export function asOfParams(query: RawQuery): AsOfParams {
  return { cutoff: text(query, 'cutoff') ?? today(), currency: currencyParam(query) };
}

/** `from` and `to` (UTC days, inclusive); default the twelve calendar months up to today. */
export function periodParams(query: RawQuery): PeriodParams {
  const to = text(query, 'to') ?? today();
  const from = text(query, 'from');
  // The default `from` is derived from `to`: a malformed `to` is reported as itself, not as `from`.
  return { from: from ?? twelveMonthsBefore(checkDay('to', to)), to };
}

/** `channel` (acquisition channel) and `country` (ISO 3166-1 alpha-2). */
export function filterParams(query: RawQuery): CustomerFilter {
  const channel = text(query, 'channel');
  const country = text(query, 'country');
  return { ...(channel !== undefined ? { channel } : {}), ...(country !== undefined ? { country } : {}) };
}
