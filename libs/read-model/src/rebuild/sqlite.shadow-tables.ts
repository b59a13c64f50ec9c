import { existsSync, rmSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { DataSource, EntityManager } from 'typeorm';
import type { BetterSqlite3ConnectionOptions } from 'typeorm/driver/better-sqlite3/BetterSqlite3ConnectionOptions';
import { createReadModelDataSource } from '../data-source.factory';
import { runExclusive } from '../exclusive-access';
import { CUSTOMER_READ_MODEL_PROJECTION } from '../read-model.constants';
import { SWAPPED_TABLES, type ShadowTables } from './shadow-tables';

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const NEXT = '__next';
const RETIRED = '__retired';
const SHADOW = 'rebuild';
/** Page cache of the shadow's connection (SQLite's default is 2 MiB). */
const SHADOW_CACHE_KIB = 64 * 1024;

interface TableDefinition {
  readonly name: string;
  readonly createSql: string;
  readonly columns: string[];
  readonly indexes: { name: string; sql: string }[];
}

/**
 * SQLite: the shadow is a read-model file of its own beside the live one (`read-model.rebuild.sqlite`),
 * written by its own connection, so the long build never holds the live file's write lock. The swap, in
 * one write transaction of the live file (BEGIN IMMEDIATE), with the shadow ATTACHed:
 *
 *   CREATE t__next like t; INSERT INTO t__next SELECT * FROM shadow.t
 *   ALTER TABLE t RENAME TO t__retired; drop its indexes (their names are the live ones)
 *   ALTER TABLE t__next RENAME TO t; create the live indexes on it
 *   final catch-up into t, checkpoint, lease check
 *   COMMIT
 *
 * Readers on other connections (WAL) see the old tables until COMMIT and the new ones after; in this
 * process every query of the read model is queued behind the swap (runExclusive). A projector in another
 * process waits on the write lock (busy timeout) and then finds the new tables.
 */
export class SqliteShadowTables implements ShadowTables {
  readonly shadowFile: string;

  constructor(private readonly live: DataSource) {
    const file = (live.options as BetterSqlite3ConnectionOptions).database;
    this.shadowFile = file.replace(/(\.sqlite)?$/, '.rebuild.sqlite');
  }

  async open(fresh: boolean): Promise<DataSource> {
    if (fresh) this.removeShadow();
    const dataSource = createReadModelDataSource({
      dataDir: dirname(this.shadowFile),
      sqliteFile: basename(this.shadowFile),
    });
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'all' });
    await this.dropSecondaryIndexes(dataSource);
    await this.clusterByKey(dataSource);
    // A build touches rows all over the table each batch: a page cache that holds more of it saves reads.
    await dataSource.query(`PRAGMA cache_size = -${SHADOW_CACHE_KIB}`);
    return dataSource;
  }

  swap<T>(finish: (manager: EntityManager, shadowPosition: bigint) => Promise<T>): Promise<T> {
    if (!existsSync(this.shadowFile)) throw new Error(`No shadow to swap in: ${this.shadowFile} is missing`);
    return runExclusive(this.live, async () => {
      const runner = this.live.createQueryRunner();
      const run = (sql: string, params: unknown[] = []) => runner.query(sql, params);
      try {
        const tables = await Promise.all(SWAPPED_TABLES.map((t) => this.definition(run, t)));
        await run(`ATTACH DATABASE ? AS ${SHADOW}`, [this.shadowFile]);
        try {
          // IMMEDIATE: take the write lock now (waiting for another process's projector if need be), so no
          // snapshot read here can be outdated by the time this transaction writes.
          await run('BEGIN IMMEDIATE');
          try {
            for (const t of tables) {
              const next = ident(t.name + NEXT);
              const columns = t.columns.map(ident).join(', ');
              await run(`DROP TABLE IF EXISTS main.${ident(t.name + RETIRED)}`);
              await run(`DROP TABLE IF EXISTS main.${next}`);
              await run(t.createSql.replace(/^CREATE TABLE\s+("[^"]+"|\S+)/i, `CREATE TABLE main.${next}`));
              await run(
                `INSERT INTO main.${next} (${columns}) SELECT ${columns} FROM ${SHADOW}.${ident(t.name)}`,
              );
              await run(`ALTER TABLE main.${ident(t.name)} RENAME TO ${ident(t.name + RETIRED)}`);
              for (const index of t.indexes) await run(`DROP INDEX main.${ident(index.name)}`);
              await run(`ALTER TABLE main.${next} RENAME TO ${ident(t.name)}`);
              for (const index of t.indexes) await run(index.sql);
            }
            const rows: { position: string }[] = await run(
              `SELECT position FROM ${SHADOW}."projection_checkpoints" WHERE projection = ?`,
              [CUSTOMER_READ_MODEL_PROJECTION],
            );
            const result = await finish(runner.manager, BigInt(rows[0]?.position ?? '0'));
            await run('COMMIT');
            return result;
          } catch (error) {
            await run('ROLLBACK').catch(() => undefined);
            throw error;
          }
        } finally {
          await run(`DETACH DATABASE ${SHADOW}`).catch(() => undefined);
        }
      } finally {
        await runner.release();
      }
    });
  }

  async retire(): Promise<void> {
    await runExclusive(this.live, async () => {
      for (const table of SWAPPED_TABLES)
        await this.live.query(`DROP TABLE IF EXISTS ${ident(table + RETIRED)}`);
    });
    this.removeShadow();
  }

  /** The live table as SQLite recorded it: its CREATE statement, columns in order, and named indexes. */
  private async definition(
    run: (sql: string, params?: unknown[]) => Promise<unknown>,
    name: string,
  ): Promise<TableDefinition> {
    const [table] = (await run(`SELECT sql FROM main.sqlite_master WHERE type = 'table' AND name = ?`, [
      name,
    ])) as { sql: string }[];
    if (!table) throw new Error(`The live read model has no table ${name}: run the migrations first`);
    const columns = ((await run(`PRAGMA main.table_info(${ident(name)})`)) as { name: string }[]).map(
      (c) => c.name,
    );
    const indexes = (await run(
      `SELECT name, sql FROM main.sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`,
      [name],
    )) as { name: string; sql: string }[];
    return { name, createSql: table.sql, columns, indexes };
  }

  /**
   * The shadow is only ever read by primary key, and the swap copies its rows into tables that get the
   * live indexes afterwards: maintaining its own secondary indexes would be pure cost (they were most of
   * each batch's page writes).
   */
  private async dropSecondaryIndexes(shadow: DataSource): Promise<void> {
    const indexes: { name: string }[] = await shadow.query(
      `SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (${SWAPPED_TABLES.map(() => '?').join(', ')})`,
      [...SWAPPED_TABLES],
    );
    for (const { name } of indexes) await shadow.query(`DROP INDEX IF EXISTS ${ident(name)}`);
  }

  /**
   * Empty shadow tables are recreated WITHOUT ROWID: clustered by their primary key, each load and upsert
   * walks one B-tree instead of the key index and then the table. Only the shadow: the swap copies its rows
   * into tables made from the live definitions.
   */
  private async clusterByKey(shadow: DataSource): Promise<void> {
    for (const table of SWAPPED_TABLES) {
      const [{ sql }] = (await shadow.query(
        `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`,
        [table],
      )) as { sql: string }[];
      if (/WITHOUT ROWID\s*$/i.test(sql)) continue;
      if ((await shadow.query(`SELECT 1 FROM ${ident(table)} LIMIT 1`)).length > 0) continue; // a resumed build
      await shadow.query(`DROP TABLE ${ident(table)}`);
      await shadow.query(`${sql} WITHOUT ROWID`);
    }
  }

  private removeShadow(): void {
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(this.shadowFile + suffix, { force: true });
  }
}
