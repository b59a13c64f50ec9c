/** ClickHouse identifiers we build SQL from: a plain name, so it needs no quoting anywhere. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export const DEFAULT_ANALYTICS_DATABASE = 'crm';

export class InvalidDatabaseNameError extends Error {
  constructor(name: string) {
    super(`Invalid ClickHouse database name ${JSON.stringify(name)}: letters, digits and _ only`);
    this.name = 'InvalidDatabaseNameError';
  }
}

/** Validates a database name before it is spliced into SQL (it cannot be a bound parameter in DDL). */
export function checkDatabaseName(name: string): string {
  if (!IDENTIFIER.test(name)) throw new InvalidDatabaseNameError(name);
  return name;
}
