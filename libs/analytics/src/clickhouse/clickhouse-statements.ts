import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';

export type QueryParams = Record<string, unknown>;

/** Runs a SELECT and returns its rows (JSONEachRow). */
export async function selectRows<T>(
  client: ClickHouseClient,
  query: string,
  params?: QueryParams,
): Promise<T[]> {
  const result = await client.query({ query, format: 'JSONEachRow', query_params: params });
  return result.json<T>();
}

/** Runs a statement that returns no rows (DDL, INSERT ... SELECT). */
export async function runStatement(
  client: ClickHouseClient,
  query: string,
  params?: QueryParams,
  settings?: ClickHouseSettings,
): Promise<void> {
  await client.command({
    query,
    query_params: params,
    ...(settings ? { clickhouse_settings: settings } : {}),
  });
}

const CANONICAL_ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** `2026-11-20T14:03:00.000Z` -> `2026-11-20 14:03:00.000`: the DateTime64 text every engine parses the same way. */
export function toClickHouseDateTime(iso: string | Date): string {
  // Fast path for the store's own notation (a rebuild converts two per event): cut and paste, once the
  // text is known to be a real instant (Date.parse rolls 02-30 over to March: the day must survive).
  if (typeof iso === 'string' && CANONICAL_ISO.test(iso)) {
    const ms = Date.parse(iso);
    if (!Number.isNaN(ms) && new Date(ms).getUTCDate() === Number(iso.slice(8, 10)))
      return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
  }
  const date = typeof iso === 'string' ? new Date(iso) : iso;
  if (Number.isNaN(date.getTime())) throw new RangeError(`Not a date-time: ${String(iso)}`);
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/** `2026-11-20 14:03:00.000` (UTC) -> `2026-11-20T14:03:00.000Z`. */
export function fromClickHouseDateTime(value: string): string {
  return `${value.replace(' ', 'T')}${value.includes('.') ? '' : '.000'}Z`;
}
