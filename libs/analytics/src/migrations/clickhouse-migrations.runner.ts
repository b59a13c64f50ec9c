import type { AnalyticsClient } from '../clickhouse/analytics-client.factory';
import { runStatement, selectRows } from '../clickhouse/clickhouse-statements';
import {
  DATABASE_PLACEHOLDER,
  loadClickHouseMigrations,
  type ClickHouseMigration,
} from './clickhouse-migration.files';
import { splitSqlStatements } from './sql-statements';

export interface AppliedMigration {
  readonly version: number;
  readonly name: string;
  readonly checksum: string;
  readonly appliedAt: string;
}

export interface MigrationRunResult {
  readonly database: string;
  /** Versions applied by this run. */
  readonly applied: readonly number[];
  /** Versions found already applied. */
  readonly skipped: readonly number[];
}

/** An applied migration's file was edited afterwards: the schema no longer matches what the file says. */
export class MigrationChecksumError extends Error {
  constructor(
    readonly version: number,
    readonly file: string,
  ) {
    super(
      `ClickHouse migration ${file} was changed after it was applied (checksum differs). ` +
        'Never edit an applied migration: add a new numbered file instead.',
    );
    this.name = 'MigrationChecksumError';
  }
}

/**
 * Applies the numbered SQL files of `infra/clickhouse/` to one database and records each in
 * `<database>.schema_migrations` (version, name, checksum, applied_at).
 *
 * ClickHouse has no transactional DDL, so a crash can leave a file half applied; it is then run again whole.
 * Hence every statement in a migration must be idempotent (`IF NOT EXISTS`, `CREATE OR REPLACE VIEW`,
 * `ADD COLUMN IF NOT EXISTS`). The same property makes two processes booting at once safe: both apply, the
 * records collapse (ReplacingMergeTree on version).
 */
export class ClickHouseMigrationsRunner {
  constructor(
    private readonly ch: AnalyticsClient,
    private readonly migrations: readonly ClickHouseMigration[] = loadClickHouseMigrations(),
  ) {}

  async run(): Promise<MigrationRunResult> {
    const db = this.ch.database;
    await runStatement(this.ch.client, `CREATE DATABASE IF NOT EXISTS ${db}`);
    await runStatement(
      this.ch.client,
      `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations (
         version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
       ) ENGINE = ReplacingMergeTree ORDER BY version`,
    );
    const done = new Map((await this.appliedMigrations()).map((m) => [m.version, m]));
    for (const migration of this.migrations) {
      const applied = done.get(migration.version);
      if (applied && applied.checksum !== migration.checksum) {
        throw new MigrationChecksumError(migration.version, migration.file);
      }
    }
    const applied: number[] = [];
    const skipped: number[] = [];
    for (const migration of this.migrations) {
      if (done.has(migration.version)) {
        skipped.push(migration.version);
        continue;
      }
      for (const statement of splitSqlStatements(migration.sql.split(DATABASE_PLACEHOLDER).join(db))) {
        await runStatement(this.ch.client, statement);
      }
      await this.ch.client.insert({
        table: `${db}.schema_migrations`,
        format: 'JSONEachRow',
        values: [{ version: migration.version, name: migration.name, checksum: migration.checksum }],
      });
      applied.push(migration.version);
    }
    return { database: db, applied, skipped };
  }

  /** What `schema_migrations` records, by version (empty before the first run). */
  async appliedMigrations(): Promise<AppliedMigration[]> {
    const db = this.ch.database;
    const exists = await selectRows<{ n: number }>(
      this.ch.client,
      `SELECT count() AS n FROM system.tables WHERE database = {db:String} AND name = 'schema_migrations'`,
      { db },
    );
    if (exists[0]?.n === 0) return [];
    const rows = await selectRows<{ version: number; name: string; checksum: string; applied_at: string }>(
      this.ch.client,
      `SELECT version, name, checksum, toString(applied_at) AS applied_at
       FROM ${db}.schema_migrations FINAL ORDER BY version`,
    );
    return rows.map((r) => ({
      version: r.version,
      name: r.name,
      checksum: r.checksum,
      appliedAt: r.applied_at,
    }));
  }
}
