import { ClickHouseHttpError } from './clickhouse-error';

/** The configured ceilings of one query (SQL_MAX_* settings). */
export interface SqlLimits {
  readonly maxExecutionSeconds: number;
  readonly maxMemoryBytes: number;
  readonly maxResultRows: number;
  readonly maxResultBytes: number;
}

/** ClickHouse setting of each ceiling. A client may ask for less, never for more. */
const CEILINGS: readonly [setting: string, limit: keyof SqlLimits][] = [
  ['max_execution_time', 'maxExecutionSeconds'],
  ['max_memory_usage', 'maxMemoryBytes'],
  ['max_result_rows', 'maxResultRows'],
  ['max_result_bytes', 'maxResultBytes'],
];

/**
 * Settings that would lift what the entrance guarantees: `readonly` is the entrance's to set, the overflow
 * modes would turn a refused over-limit answer into a silently cut one, and the rest reach outside the query.
 */
const FIXED = new Set([
  'readonly',
  'allow_ddl',
  'result_overflow_mode',
  'timeout_overflow_mode',
  'max_concurrent_queries_for_user',
]);

/**
 * The settings a request's session gets, in order, before it is made read-only: the client's harmless ones
 * (output formats, date-time handling, join algorithms...; an unknown one is ClickHouse's to refuse), then the
 * ceilings. Once `readonly = 1` is set after them, nothing in the query can change a setting any more; a
 * `SETTINGS` clause in the SQL is refused by ClickHouse itself.
 */
export function sessionSettings(
  client: Readonly<Record<string, string>>,
  limits: SqlLimits,
): [string, string][] {
  const chosen: [string, string][] = [];
  for (const [name, value] of Object.entries(client)) {
    const ceiling = CEILINGS.find(([setting]) => setting === name);
    if (ceiling) continue;
    if (FIXED.has(name)) {
      // Asking for what is already in force is harmless (clickhouse-connect repeats `readonly` it has read).
      if (name === 'readonly' && (value === '1' || value === '2')) continue;
      throw new ClickHouseHttpError(
        name === 'readonly' ? 164 : 452,
        name === 'readonly' ? 'READONLY' : 'SETTING_CONSTRAINT_VIOLATION',
        `Cannot modify '${name}' setting in readonly mode: the SQL entrance fixes it`,
      );
    }
    chosen.push([name, value]);
  }
  for (const [setting, limit] of CEILINGS) {
    const asked = client[setting];
    const ceiling = limits[limit];
    if (asked === undefined) {
      chosen.push([setting, String(ceiling)]);
      continue;
    }
    const value = Number(asked);
    if (!Number.isFinite(value) || value < 0)
      throw new ClickHouseHttpError(
        72,
        'CANNOT_PARSE_NUMBER',
        `Setting ${setting} must be a number, got '${asked}'`,
      );
    // 0 means "no limit" in ClickHouse: as much as the entrance allows.
    if (value > ceiling) {
      throw new ClickHouseHttpError(
        452,
        'SETTING_CONSTRAINT_VIOLATION',
        `Setting ${setting} shouldn't be greater than ${ceiling}`,
      );
    }
    chosen.push([setting, String(value === 0 ? ceiling : value)]);
  }
  return chosen;
}
