import { ACQUISITION_CHANNELS, isCurrencyCode } from '@crm/domain';
import { InvalidAnalyticsParameterError } from './analytics-query.errors';

/** As of the end of `cutoff` (a UTC day, inclusive), in one currency. */
export interface AsOfParams {
  readonly cutoff: string;
  readonly currency: string;
}

/** The UTC days `from` to `to`, both inclusive. */
export interface PeriodParams {
  readonly from: string;
  readonly to: string;
}

/** Restricts an answer to customers by their acquisition profile. Absent = every customer. */
export interface CustomerFilter {
  readonly channel?: string;
  readonly country?: string;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
/** The range of ClickHouse's Date type: a day outside it would silently wrap. */
const FIRST_DAY = '1970-01-01';
const LAST_DAY = '2149-06-06';
/** Longest period a monthly grid (churn, cohorts) is computed for. */
export const MAX_PERIOD_MONTHS = 240;

export function checkDay(field: string, value: string): string {
  const match = DAY.exec(value);
  const date = match ? new Date(`${value}T00:00:00Z`) : undefined;
  if (!match || !date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
    throw new InvalidAnalyticsParameterError(field, `${field} must be a calendar day YYYY-MM-DD`);
  }
  if (value < FIRST_DAY || value > LAST_DAY) {
    throw new InvalidAnalyticsParameterError(field, `${field} must be between ${FIRST_DAY} and ${LAST_DAY}`);
  }
  return value;
}

export function checkCurrency(field: string, value: string): string {
  if (!isCurrencyCode(value)) {
    throw new InvalidAnalyticsParameterError(field, `${field} must be an ISO 4217 currency code such as EUR`);
  }
  return value;
}

export function checkAsOf(params: AsOfParams): AsOfParams {
  return { cutoff: checkDay('cutoff', params.cutoff), currency: checkCurrency('currency', params.currency) };
}

export function checkPeriod(params: PeriodParams): PeriodParams {
  const from = checkDay('from', params.from);
  const to = checkDay('to', params.to);
  if (from > to) throw new InvalidAnalyticsParameterError('from', 'from must not be after to');
  const months =
    (Number(to.slice(0, 4)) - Number(from.slice(0, 4))) * 12 +
    Number(to.slice(5, 7)) -
    Number(from.slice(5, 7));
  if (months >= MAX_PERIOD_MONTHS) {
    throw new InvalidAnalyticsParameterError(
      'from',
      `the period may span at most ${MAX_PERIOD_MONTHS} months`,
    );
  }
  return { from, to };
}

export function checkFilter(filter: CustomerFilter): CustomerFilter {
  const { channel, country } = filter;
  if (channel !== undefined && !(ACQUISITION_CHANNELS as readonly string[]).includes(channel)) {
    throw new InvalidAnalyticsParameterError(
      'channel',
      `channel must be one of ${ACQUISITION_CHANNELS.join(', ')}`,
    );
  }
  if (country !== undefined && !/^[A-Z]{2}$/.test(country)) {
    throw new InvalidAnalyticsParameterError(
      'country',
      'country must be an ISO 3166-1 alpha-2 code such as IT',
    );
  }
  return { ...(channel !== undefined ? { channel } : {}), ...(country !== undefined ? { country } : {}) };
}

/** `value` when it is one of `allowed`, `fallback` when absent. */
export function checkOneOf<T extends string>(
  field: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new InvalidAnalyticsParameterError(field, `${field} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

export function checkInteger(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidAnalyticsParameterError(field, `${field} must be an integer from ${min} to ${max}`);
  }
  return value;
}

export function checkNumber(field: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new InvalidAnalyticsParameterError(field, `${field} must be a number from ${min} to ${max}`);
  }
  return value;
}

/**
 * `AND acquisition_channel = {channel:String} AND country = {country:String}` for the filters given, with
 * their bound parameters: values never enter the SQL text.
 */
export function filterSql(
  filter: CustomerFilter,
  columns: { channel: string; country: string } = { channel: 'acquisition_channel', country: 'country' },
): { sql: string; params: Record<string, string> } {
  const clauses: string[] = [];
  const params: Record<string, string> = {};
  if (filter.channel !== undefined) {
    clauses.push(`${columns.channel} = {filterChannel:String}`);
    params.filterChannel = filter.channel;
  }
  if (filter.country !== undefined) {
    clauses.push(`${columns.country} = {filterCountry:String}`);
    params.filterCountry = filter.country;
  }
  return { sql: clauses.map((c) => ` AND ${c}`).join(''), params };
}
