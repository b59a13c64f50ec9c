import type { DataSource, EntityManager } from 'typeorm';

/** The tables a rebuild of the Customer 360 replaces; checkpoints, offsets and leases stay where they are. */
export const SWAPPED_TABLES = ['customers', 'customer_spend'] as const;

/**
 * Where one engine keeps the shadow projection and how it swaps it in. The shadow is a complete read-model
 * database of its own (same migrations, same projector, its own `projection_checkpoints`): a PostgreSQL
 * schema next to the live one, or a SQLite file next to the live one.
 */
export interface ShadowTables {
  /** Opens (creating or emptying as asked) the shadow database, migrated. */
  open(fresh: boolean): Promise<DataSource>;
  /**
   * In ONE transaction of the live database: holds the live projector off, puts the shadow's tables in
   * place of the live ones, and runs `finish` (final catch-up, lease check, checkpoint) before committing.
   * `shadowPosition` is the shadow's checkpoint as read inside that transaction.
   */
  swap<T>(finish: (manager: EntityManager, shadowPosition: bigint) => Promise<T>): Promise<T>;
  /** Drops the replaced tables and the rest of the shadow. */
  retire(): Promise<void>;
}
