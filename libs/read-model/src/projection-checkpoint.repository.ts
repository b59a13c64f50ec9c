import type { DataSource, EntityManager } from 'typeorm';
import { ProjectionCheckpointEntity } from './entities/projection-checkpoint.entity';
import { ProjectionOffsetEntity } from './entities/projection-offset.entity';
import { placeholder, quotedTable } from './sql-dialect';

export interface PartitionOffset {
  readonly topic: string;
  readonly partition: number;
  /** Decimal string, as kafkajs hands offsets out. */
  readonly offset: string;
}

export interface ProjectionCheckpoint {
  readonly projection: string;
  readonly position: bigint;
  readonly updatedAt: string;
}

const DECIMAL = /^(0|[1-9]\d*)$/;

/**
 * "new > old" for decimal strings, in SQL both engines share: longer is larger, equal length compares as
 * text. Writing it in the upsert keeps checkpoints monotonic even when two transactions race on the row.
 */
const newer = (table: string, column: string) =>
  `length(EXCLUDED."${column}") > length("${table}"."${column}") OR ` +
  `(length(EXCLUDED."${column}") = length("${table}"."${column}") AND EXCLUDED."${column}" > "${table}"."${column}")`;

async function upsertMonotonic(
  manager: EntityManager,
  table: string,
  keys: Record<string, string | number>,
  column: string,
  value: string,
  updatedAt: string,
): Promise<void> {
  if (!DECIMAL.test(value))
    throw new RangeError(`${table}.${column} must be a non-negative decimal, got "${value}"`);
  const connection = manager.connection;
  const columns = [...Object.keys(keys), column, 'updated_at'];
  const values = [...Object.values(keys), value, updatedAt];
  const sql =
    `INSERT INTO ${quotedTable(connection, table)} (${columns.map((c) => `"${c}"`).join(', ')}) ` +
    `VALUES (${values.map((_, i) => placeholder(connection, i + 1)).join(', ')}) ` +
    `ON CONFLICT (${Object.keys(keys)
      .map((c) => `"${c}"`)
      .join(', ')}) DO UPDATE SET ` +
    `"${column}" = CASE WHEN ${newer(table, column)} THEN EXCLUDED."${column}" ELSE "${table}"."${column}" END, ` +
    // Only a move forward touches the row: a redelivered batch must leave every table as it was.
    `"updated_at" = CASE WHEN ${newer(table, column)} THEN EXCLUDED."updated_at" ELSE "${table}"."updated_at" END`;
  await manager.query(sql, values);
}

/** Moves the projection's position forward (never back) inside the caller's transaction. */
export const writeCheckpoint = (manager: EntityManager, projection: string, position: bigint, at: string) =>
  upsertMonotonic(manager, 'projection_checkpoints', { projection }, 'position', position.toString(), at);

/** Moves each partition's offset forward (never back) inside the caller's transaction. */
export async function writeOffsets(
  manager: EntityManager,
  projection: string,
  offsets: readonly PartitionOffset[],
  at: string,
): Promise<void> {
  for (const o of offsets) {
    await upsertMonotonic(
      manager,
      'projection_offsets',
      { projection, topic: o.topic, partition: o.partition },
      'offset',
      o.offset,
      at,
    );
  }
}

export async function readCheckpoint(
  source: DataSource | EntityManager,
  projection: string,
): Promise<ProjectionCheckpoint | null> {
  const row = await source.getRepository(ProjectionCheckpointEntity).findOneBy({ projection });
  return row ? { projection, position: BigInt(row.position), updatedAt: row.updatedAt } : null;
}

export async function readOffsets(
  source: DataSource | EntityManager,
  projection: string,
  topic: string,
): Promise<PartitionOffset[]> {
  const rows = await source
    .getRepository(ProjectionOffsetEntity)
    .find({ where: { projection, topic }, order: { partition: 'ASC' } });
  return rows.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.offset }));
}
