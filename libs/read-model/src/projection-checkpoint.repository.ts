import type { DataSource, EntityManager } from 'typeorm';
import { ProjectionCheckpointEntity } from './entities/projection-checkpoint.entity';
import { ProjectionOffsetEntity } from './entities/projection-offset.entity';
import { placeholder, quotedTable } from './sql-dialect';

export interface PartitionOffset {
  readonly topic: string;
  readonly partition: number;
  /** Decimal string, as kafkajs hands offsets out. */
  readonly offset: string;
  /**
   * Highest global position handled in the partition up to `offset`. A partition holds its events in global
   * order, so every event of it at or below this position is handled: see contiguousPosition.
   */
  readonly position?: bigint;
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
  /** Columns that move together with `column` (only when it moves forward). */
  along: Record<string, string | null> = {},
): Promise<void> {
  if (!DECIMAL.test(value))
    throw new RangeError(`${table}.${column} must be a non-negative decimal, got "${value}"`);
  const connection = manager.connection;
  const columns = [...Object.keys(keys), column, ...Object.keys(along), 'updated_at'];
  const values = [...Object.values(keys), value, ...Object.values(along), updatedAt];
  const sql =
    `INSERT INTO ${quotedTable(connection, table)} (${columns.map((c) => `"${c}"`).join(', ')}) ` +
    `VALUES (${values.map((_, i) => placeholder(connection, i + 1)).join(', ')}) ` +
    `ON CONFLICT (${Object.keys(keys)
      .map((c) => `"${c}"`)
      .join(', ')}) DO UPDATE SET ` +
    [column, ...Object.keys(along), 'updated_at']
      // Only a move forward touches the row: a redelivered batch must leave every table as it was.
      .map(
        (c) => `"${c}" = CASE WHEN ${newer(table, column)} THEN EXCLUDED."${c}" ELSE "${table}"."${c}" END`,
      )
      .join(', ');
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
      { position: o.position === undefined ? null : o.position.toString() },
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
  return rows.map((r) => ({
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    ...(r.position === null || r.position === undefined ? {} : { position: BigInt(r.position) }),
  }));
}

/**
 * The position below which a projection fed by a partitioned bus has handled everything, from what each
 * partition handled (`offsets`, from readOffsets) and where each partition ends now (`ends`: the next offset
 * the bus will write, per partition). A partition with nothing left to read holds nothing back; one that
 * still has messages has handled its events up to its stored position and none after it, so the answer is the
 * lowest such position. Undefined when a partition with messages left has handled none of them (or has no
 * position stored): nothing is known to be handled below its first message.
 *
 * When no partition has anything left, everything published is handled and the answer is `checkpoint` (the
 * highest position the projection applied). Read `ends` after `offsets`: an offset read later than the end
 * could claim more than was published when the end was read.
 */
export function contiguousPosition(
  checkpoint: bigint | undefined,
  offsets: readonly PartitionOffset[],
  ends: ReadonlyMap<number, bigint>,
): bigint | undefined {
  const handled = new Map(offsets.map((o) => [o.partition, o]));
  let lowest = checkpoint;
  for (const [partition, end] of ends) {
    const done = handled.get(partition);
    if (done && BigInt(done.offset) >= end) continue; // nothing left to read there
    if (done === undefined && end === 0n) continue; // an empty partition
    if (done?.position === undefined) return undefined;
    if (lowest === undefined || done.position < lowest) lowest = done.position;
  }
  return lowest;
}
