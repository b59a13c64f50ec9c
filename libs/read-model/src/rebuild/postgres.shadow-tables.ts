import type { DataSource, EntityManager } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { createReadModelDataSource } from '../data-source.factory';
import { CUSTOMER_READ_MODEL_PROJECTION } from '../read-model.constants';
import { SWAPPED_TABLES, type ShadowTables } from './shadow-tables';

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
/** Lock waits are bounded: a swap that cannot get the tables fails (and is retried by a new run). */
const LOCK_TIMEOUT = '30s';

/**
 * PostgreSQL: the shadow is the schema `<live>__rebuild` (migrated like the live one, so index and
 * constraint names are the live ones: they are per schema). The swap, in one transaction:
 *
 *   LOCK the live tables ACCESS EXCLUSIVE   -- the projector and readers wait (they do not fail)
 *   ALTER TABLE live.t SET SCHEMA <live>__retired
 *   ALTER TABLE shadow.t SET SCHEMA live
 *   final catch-up into live.t, checkpoint, lease check
 *   COMMIT
 *
 * A statement waiting on the lock resolves the table name again once it gets it (PostgreSQL re-checks
 * names after lock waits), so it reads the new table, never the retired one. Reads that are two statements
 * (the Customer 360's row and spend) run in one transaction, so they never mix old and new.
 */
export class PostgresShadowTables implements ShadowTables {
  private names?: { live: string; shadow: string; retired: string };

  constructor(private readonly live: DataSource) {}

  async open(fresh: boolean): Promise<DataSource> {
    const { shadow } = await this.schemas();
    if (fresh || !(await this.hasTables(shadow))) {
      await this.live.query(`DROP SCHEMA IF EXISTS ${ident(shadow)} CASCADE`);
    }
    await this.live.query(`CREATE SCHEMA IF NOT EXISTS ${ident(shadow)}`);
    const url = (this.live.options as PostgresConnectionOptions).url;
    if (!url) throw new Error('A PostgreSQL read model must be configured by URL to be rebuilt');
    const dataSource = createReadModelDataSource({ databaseUrl: url, dataDir: '', schema: shadow });
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'all' });
    // Built by primary key only: secondary indexes come back (from the live definitions) before the swap.
    for (const { name } of await this.secondaryIndexes(shadow))
      await dataSource.query(`DROP INDEX IF EXISTS ${ident(shadow)}.${ident(name)}`);
    return dataSource;
  }

  async swap<T>(finish: (manager: EntityManager, shadowPosition: bigint) => Promise<T>): Promise<T> {
    const { live, shadow, retired } = await this.schemas();
    // The live secondary indexes, built once over the finished shadow (not maintained row by row during
    // the build), and fresh statistics: all before the tables serve, outside the lock.
    for (const { definition } of await this.secondaryIndexes(live, shadow)) await this.live.query(definition);
    await this.live.query(`ANALYZE ${SWAPPED_TABLES.map((t) => `${ident(shadow)}.${ident(t)}`).join(', ')}`);
    return this.live.transaction(async (manager) => {
      await manager.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
      await manager.query(
        `LOCK TABLE ${SWAPPED_TABLES.map((t) => `${ident(live)}.${ident(t)}`).join(', ')} IN ACCESS EXCLUSIVE MODE`,
      );
      await manager.query(`DROP SCHEMA IF EXISTS ${ident(retired)} CASCADE`);
      await manager.query(`CREATE SCHEMA ${ident(retired)}`);
      for (const table of SWAPPED_TABLES) {
        await manager.query(`ALTER TABLE ${ident(live)}.${ident(table)} SET SCHEMA ${ident(retired)}`);
        await manager.query(`ALTER TABLE ${ident(shadow)}.${ident(table)} SET SCHEMA ${ident(live)}`);
      }
      const rows: { position: string }[] = await manager.query(
        `SELECT position FROM ${ident(shadow)}."projection_checkpoints" WHERE projection = $1`,
        [CUSTOMER_READ_MODEL_PROJECTION],
      );
      return finish(manager, BigInt(rows[0]?.position ?? '0'));
    });
  }

  async retire(): Promise<void> {
    const { shadow, retired } = await this.schemas();
    await this.live.query(`DROP SCHEMA IF EXISTS ${ident(retired)} CASCADE`);
    await this.live.query(`DROP SCHEMA IF EXISTS ${ident(shadow)} CASCADE`);
  }

  /**
   * Non-unique indexes of the swapped tables in `schema`, each with its CREATE statement re-targeted at
   * `target`'s table of the same name (IF NOT EXISTS: a swap retried after a failure finds some built).
   */
  private async secondaryIndexes(
    schema: string,
    target = schema,
  ): Promise<{ name: string; definition: string }[]> {
    return this.live.query(
      `SELECT c.relname AS name,
              replace(replace(pg_get_indexdef(i.indexrelid), 'CREATE INDEX ', 'CREATE INDEX IF NOT EXISTS '),
                      ' ON ' || quote_ident($1) || '.', ' ON ' || quote_ident($2) || '.') AS definition
         FROM pg_index i
         JOIN pg_class c ON c.oid = i.indexrelid
         JOIN pg_class t ON t.oid = i.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = $1 AND t.relname = ANY($3) AND NOT i.indisprimary AND NOT i.indisunique
        ORDER BY c.relname`,
      [schema, target, [...SWAPPED_TABLES]],
    );
  }

  /** A shadow schema whose tables an earlier swap took (it crashed before retiring it) is not resumable. */
  private async hasTables(schema: string): Promise<boolean> {
    const rows: unknown[] = await this.live.query(
      `SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = ANY($2)`,
      [schema, [...SWAPPED_TABLES]],
    );
    return rows.length === SWAPPED_TABLES.length;
  }

  private async schemas() {
    if (!this.names) {
      const configured = (this.live.options as PostgresConnectionOptions).schema;
      const live =
        configured ?? ((await this.live.query('SELECT current_schema() AS s')) as { s: string }[])[0].s;
      this.names = { live, shadow: `${live}__rebuild`, retired: `${live}__retired` };
      if (this.names.retired.length > 63)
        throw new Error(`Schema name ${live} is too long to rebuild beside`);
    }
    return this.names;
  }
}
