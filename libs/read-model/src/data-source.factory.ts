import { join } from 'node:path';
import { DataSource, type Logger } from 'typeorm';
import { READ_MODEL_MIGRATIONS_TABLE, READ_MODEL_SQLITE_FILE } from './read-model.constants';
import { READ_MODEL_ENTITIES } from './entities/read-model.entities';
import { READ_MODEL_MIGRATIONS } from './migrations/read-model.migrations';

export interface ReadModelDataSourceOptions {
  /** PostgreSQL URL (`DATABASE_URL`); absent: embedded SQLite under `dataDir`. */
  readonly databaseUrl?: string;
  /** DATA_DIR: holds `read-model.sqlite` in embedded mode. */
  readonly dataDir: string;
  /** PostgreSQL schema (tests use one per run; a rebuild can fill a fresh one while the old one serves). */
  readonly schema?: string;
  /** SQLite file name inside `dataDir` (default `read-model.sqlite`); a rebuild can fill another file. */
  readonly sqliteFile?: string;
  /** Run pending migrations on `initialize()`. Default false: call `runMigrations()` (or `crm migrate`). */
  readonly migrationsRun?: boolean;
  readonly logger?: Logger;
}

/**
 * The read model's DataSource, not yet initialized. Same entities and migrations on both engines;
 * `synchronize` is always off: the schema changes only through migrations.
 */
export function createReadModelDataSource(options: ReadModelDataSourceOptions): DataSource {
  const common = {
    entities: [...READ_MODEL_ENTITIES],
    migrations: [...READ_MODEL_MIGRATIONS],
    migrationsTableName: READ_MODEL_MIGRATIONS_TABLE,
    migrationsRun: options.migrationsRun ?? false,
    synchronize: false,
    logger: options.logger,
  };
  if (options.databaseUrl) {
    return new DataSource({ ...common, type: 'postgres', url: options.databaseUrl, schema: options.schema });
  }
  return new DataSource({
    ...common,
    type: 'better-sqlite3',
    database: join(options.dataDir, options.sqliteFile ?? READ_MODEL_SQLITE_FILE),
    // WAL: readers in other processes (CLI status, a second API) do not block behind the projector's writes. synchronous=NORMAL may lose the
    // last commits on power loss, never tear one: data and checkpoint vanish together and are re-applied.
    enableWAL: true,
    prepareDatabase: (db: { pragma(sql: string): unknown }) => {
      db.pragma('synchronous = NORMAL');
    },
  });
}
