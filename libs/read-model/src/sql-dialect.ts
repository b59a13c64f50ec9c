import type { DataSource } from 'typeorm';

/**
 * The few places that write SQL by hand (monotonic checkpoint upserts, expression indexes) use syntax that
 * PostgreSQL and SQLite share; only identifiers' schema and parameter placeholders differ.
 */
export const isPostgres = (connection: DataSource): boolean => connection.driver.options.type === 'postgres';

export function quotedTable(connection: DataSource, table: string): string {
  const schema = isPostgres(connection)
    ? (connection.driver.options as { schema?: string }).schema
    : undefined;
  return schema ? `"${schema}"."${table}"` : `"${table}"`;
}

/** `$1, $2…` for pg, `?` for SQLite (bound in order). */
export const placeholder = (connection: DataSource, index: number): string =>
  isPostgres(connection) ? `$${index}` : '?';
