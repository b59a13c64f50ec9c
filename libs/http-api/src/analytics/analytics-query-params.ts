import {
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

/** A single string value: a parameter given twice (`?a=1&a=2`) or as an object is refused. */
export function text(query: RawQuery, name: string): string | undefined {
  const value = query[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') {
    throw new InvalidAnalyticsParameterError(name, `${name} must be given once, as a single value`);
  }
  return value;
}

export function numberParam(query: RawQuery, name: string, fallback: number): number {
  const raw = text(query, name);
  if (raw === undefined) return fallback;
  if (!/^-?\d+(\.\d+)?$/.test(raw))
    throw new InvalidAnalyticsParameterError(name, `${name} must be a number`);
  return Number(raw);
}

const today = () => new Date().toISOString().slice(0, 10);

/** The first day of the month 11 months before `to`'s month: with `to`, twelve calendar months. */
function twelveMonthsBefore(to: string): string {
  const year = Number(to.slice(0, 4));
  const month = Number(to.slice(5, 7));
  const start = new Date(Date.UTC(year, month - 12, 1));
  return Number.isNaN(start.getTime()) ? to : start.toISOString().slice(0, 10);
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
  return { from: text(query, 'from') ?? twelveMonthsBefore(to), to };
}

/** `channel` (acquisition channel) and `country` (ISO 3166-1 alpha-2). */
export function filterParams(query: RawQuery): CustomerFilter {
  const channel = text(query, 'channel');
  const country = text(query, 'country');
  return { ...(channel !== undefined ? { channel } : {}), ...(country !== undefined ? { country } : {}) };
}
