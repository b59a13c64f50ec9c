import type { ValueTransformer } from 'typeorm';

/**
 * Column shapes shared by entities and the migration, so both describe the same schema on both engines.
 *
 * Times are ISO 8601 UTC strings in varchar (see iso-time.ts): TypeORM's datetime handling differs between
 * PostgreSQL and SQLite, text sorts the same everywhere.
 *
 * Free text and ids have no length limit: SQLite would not enforce one, so a limit would make PostgreSQL
 * alone refuse an event and stop the projection there. Lengths are set only on values this library writes
 * (times, positions, stage) or the domain validates (currency).
 */
export const ISO_TIME_LENGTH = '32';
/** Decimal strings of unsigned 64-bit positions/offsets: not bigint, since uint64 exceeds PostgreSQL's int8. */
export const POSITION_LENGTH = '32';

/**
 * PostgreSQL returns int8 as a string and better-sqlite3 as a number: normalise both to a decimal string so
 * the projector can do exact BigInt arithmetic on it.
 */
export const bigintAsString: ValueTransformer = {
  to: (value: string | null | undefined) => value,
  from: (value: string | number | bigint | null) => (value === null ? null : String(value)),
};
