import type { AnalyticsClient } from '../clickhouse/analytics-client.factory';
import { selectRows } from '../clickhouse/clickhouse-statements';

export interface SnapshotParams {
  /** As-of date of the answers (`cutoff`, and `end_date` of the period views), YYYY-MM-DD. */
  readonly cutoff: string;
  /** Start of the period views (`start_date`). */
  readonly start: string;
  readonly currency: string;
  /** Any other view parameter, by name. */
  readonly extra?: Readonly<Record<string, string | number>>;
}

/** `{name:Type}` parameters of a parameterized view, from its CREATE statement. */
function viewParameters(createQuery: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of createQuery.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([A-Za-z0-9_()]+)\}/g)) {
    found.set(match[1], match[2]);
  }
  return found;
}

/** A value for each parameter: by name where one is known, else a neutral value of its type. */
function parameterValue(name: string, type: string, params: SnapshotParams): string | number {
  const byName: Record<string, string | number> = {
    cutoff: params.cutoff,
    start_date: params.start,
    end_date: params.cutoff,
    currency: params.currency,
    ...params.extra,
  };
  if (name in byName) return byName[name];
  if (/^Date/.test(type)) return params.cutoff;
  if (/^Float|^Decimal/.test(type)) return 0.5;
  if (/^U?Int/.test(type)) return 1;
  if (/^Array/.test(type)) return '[]';
  return '';
}

/** Rounds floats (aggregation order may differ in the last bits between runs) and sorts rows canonically. */
function canonical(rows: Record<string, unknown>[]): unknown[] {
  const round = (value: unknown): unknown =>
    typeof value === 'number' && !Number.isInteger(value)
      ? Number(value.toPrecision(10))
      : Array.isArray(value)
        ? value.map(round)
        : value;
  return rows
    .map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, round(v)])))
    .map((row) => JSON.stringify(row))
    .sort()
    .map((text) => JSON.parse(text) as unknown);
}

/**
 * Everything an analyst can read, as one comparable value: the tables the projector writes (FINAL, without
 * write times) and every view of the database, whatever views the migrations define, with their parameters
 * filled from `params`. Two stores holding the same events must give equal snapshots, however the events got
 * there (redelivered, replayed, re-applied after a crash).
 */
export async function analyticsSnapshot(
  ch: AnalyticsClient,
  params: SnapshotParams,
): Promise<Record<string, unknown[]>> {
  const db = ch.database;
  const queries: Record<string, { sql: string; values?: Record<string, string | number> }> = {
    events: { sql: `SELECT * EXCEPT projected_at FROM ${db}.events FINAL` },
    customers: { sql: `SELECT * EXCEPT updated_at FROM ${db}.customers FINAL` },
    customer_daily: { sql: `SELECT * FROM ${db}.customer_daily FINAL` },
  };
  const views = await selectRows<{ name: string; create_table_query: string }>(
    ch.client,
    `SELECT name, create_table_query FROM system.tables
     WHERE database = {db:String} AND engine = 'View' ORDER BY name`,
    { db },
  );
  for (const view of views) {
    const declared = viewParameters(view.create_table_query);
    const args = [...declared.keys()].map((name) => `${name} = {${name}:${declared.get(name)}}`).join(', ');
    queries[view.name] = {
      sql: `SELECT * FROM ${db}.${view.name}${declared.size > 0 ? `(${args})` : ''}`,
      values: Object.fromEntries(
        [...declared].map(([name, type]) => [name, parameterValue(name, type, params)]),
      ),
    };
  }
  const snapshot: Record<string, unknown[]> = {};
  for (const [name, query] of Object.entries(queries)) {
    snapshot[name] = canonical(await selectRows<Record<string, unknown>>(ch.client, query.sql, query.values));
  }
  return snapshot;
}
