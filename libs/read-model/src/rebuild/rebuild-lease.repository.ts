import type { DataSource, EntityManager } from 'typeorm';
import { runExclusive } from '../exclusive-access';
import { quotedTable } from '../sql-dialect';
import { RebuildAlreadyRunningError, RebuildLeaseLostError } from './rebuild.errors';

export type RebuildStatus = 'running' | 'completed' | 'failed' | 'interrupted';

/** A projection's row of `projection_rebuilds`: the last (or current) rebuild and its lease. */
export interface RebuildRecord {
  readonly projection: string;
  readonly owner: string | null;
  readonly leaseExpiresAt: number;
  readonly status: RebuildStatus;
  readonly startedAt: string | null;
  readonly updatedAt: string;
  readonly finishedAt: string | null;
  /** Position the shadow held when this run started (> 0: a resume). */
  readonly startPosition: bigint | undefined;
  /** Position the shadow covers now. */
  readonly position: bigint | undefined;
  /** Head of the event store when last measured: where the build is heading. */
  readonly targetPosition: bigint | undefined;
  /** Events applied by this run (not counting what an earlier, resumed run applied). */
  readonly eventsApplied: number;
  readonly error: string | null;
}

interface Row {
  projection: string;
  owner: string | null;
  lease_expires_at: string | number;
  status: RebuildStatus;
  started_at: string | null;
  updated_at: string;
  finished_at: string | null;
  start_position: string | null;
  position: string | null;
  target_position: string | null;
  events_applied: string | number;
  error: string | null;
}

const big = (value: string | null) => (value === null ? undefined : BigInt(value));
const toRecord = (r: Row): RebuildRecord => ({
  projection: r.projection,
  owner: r.owner,
  leaseExpiresAt: Number(r.lease_expires_at),
  status: r.status,
  startedAt: r.started_at,
  updatedAt: r.updated_at,
  finishedAt: r.finished_at,
  startPosition: big(r.start_position),
  position: big(r.position),
  targetPosition: big(r.target_position),
  eventsApplied: Number(r.events_applied),
  error: r.error,
});

/** PostgreSQL takes `$n`; SQLite gets `?` with the values repeated in order of use. */
function portable(db: DataSource, sql: string, params: unknown[]): [string, unknown[]] {
  if (db.options.type === 'postgres') return [sql, params];
  const values: unknown[] = [];
  return [sql.replace(/\$(\d+)/g, (_m, n: string) => (values.push(params[Number(n) - 1]), '?')), values];
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The rebuild lease and progress of each projection, in the read-model database (`projection_rebuilds`),
 * the same way the relay's lease works: conditional UPDATEs that PostgreSQL and SQLite both run, so at
 * most one process holds a projection's lease; a holder that dies loses it when `lease_expires_at` passes.
 * Every progress write is conditional on still holding the lease, so a process that stalled past its TTL
 * and was replaced finds out at its next batch and stops.
 */
export class RebuildLeases {
  constructor(private readonly db: DataSource) {}

  async read(projection: string): Promise<RebuildRecord | undefined> {
    const rows = await this.select('WHERE projection = $1', [projection]);
    return rows[0];
  }

  async list(): Promise<RebuildRecord[]> {
    return this.select('ORDER BY projection', []);
  }

  /**
   * Takes the projection's lease for `owner`, or throws RebuildAlreadyRunningError, even to the same
   * owner: two runs in one process (or two processes given one WORKER_ID) must not share a shadow. Returns the row as it
   * was before (how the previous run ended tells whether its shadow may be resumed).
   */
  async acquire(
    projection: string,
    owner: string,
    ttlMs: number,
    now = Date.now(),
  ): Promise<RebuildRecord | undefined> {
    const previous = await this.read(projection);
    await this.exec(
      `INSERT INTO ${this.table} (projection, owner, lease_expires_at, status, updated_at, events_applied) ` +
        `VALUES ($1, NULL, 0, 'completed', $2, 0) ON CONFLICT (projection) DO NOTHING`,
      [projection, iso(now)],
    );
    const taken = await this.exec(
      `UPDATE ${this.table} SET owner = $1, lease_expires_at = $2, status = 'running', started_at = $3, ` +
        `updated_at = $3, finished_at = NULL, start_position = NULL, position = NULL, target_position = NULL, ` +
        `events_applied = 0, error = NULL ` +
        `WHERE projection = $4 AND (status <> 'running' OR lease_expires_at < $5)`,
      [owner, now + ttlMs, iso(now), projection, now],
    );
    if (taken !== 1) {
      const holder = await this.read(projection);
      throw new RebuildAlreadyRunningError(projection, holder?.owner ?? null, holder?.leaseExpiresAt ?? 0);
    }
    return previous;
  }

  /** Renews the lease and records progress; throws RebuildLeaseLostError if another process took over. */
  async progress(
    projection: string,
    owner: string,
    ttlMs: number,
    progress: { startPosition?: bigint; position?: bigint; targetPosition?: bigint; eventsApplied?: number },
    now = Date.now(),
  ): Promise<void> {
    const sets = [`lease_expires_at = $1`, `updated_at = $2`];
    const params: unknown[] = [now + ttlMs, iso(now)];
    const set = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (progress.startPosition !== undefined) set('start_position', progress.startPosition.toString());
    if (progress.position !== undefined) set('position', progress.position.toString());
    if (progress.targetPosition !== undefined) set('target_position', progress.targetPosition.toString());
    if (progress.eventsApplied !== undefined) set('events_applied', progress.eventsApplied);
    await this.holding(projection, owner, sets.join(', '), params);
  }

  /** Inside the swap's transaction when given one: the swap commits only while this process holds the lease. */
  async confirm(projection: string, owner: string, ttlMs: number, within?: EntityManager): Promise<void> {
    const now = Date.now();
    await this.holding(
      projection,
      owner,
      'lease_expires_at = $1, updated_at = $2',
      [now + ttlMs, iso(now)],
      within,
    );
  }

  /** Ends this run: the lease is released and the row says how it ended. */
  async finish(
    projection: string,
    owner: string,
    outcome: {
      status: Exclude<RebuildStatus, 'running'>;
      position?: bigint;
      eventsApplied?: number;
      error?: string;
    },
    now = Date.now(),
  ): Promise<void> {
    const params: unknown[] = [outcome.status, iso(now), outcome.error?.slice(0, 4000) ?? null];
    const sets = [`status = $1`, `updated_at = $2`, `finished_at = $2`, `error = $3`, `lease_expires_at = 0`];
    if (outcome.position !== undefined) {
      params.push(outcome.position.toString());
      sets.push(`position = $${params.length}`);
    }
    if (outcome.eventsApplied !== undefined) {
      params.push(outcome.eventsApplied);
      sets.push(`events_applied = $${params.length}`);
    }
    await this.holding(projection, owner, sets.join(', '), params);
  }

  private get table(): string {
    return quotedTable(this.db, 'projection_rebuilds');
  }

  private async holding(
    projection: string,
    owner: string,
    sets: string,
    params: unknown[],
    within?: EntityManager,
  ): Promise<void> {
    const n = params.length;
    const changed = await this.exec(
      `UPDATE ${this.table} SET ${sets} WHERE projection = $${n + 1} AND owner = $${n + 2} AND status = 'running'`,
      [...params, projection, owner],
      within,
    );
    if (changed !== 1) throw new RebuildLeaseLostError(projection, owner);
  }

  private async select(where: string, params: unknown[]): Promise<RebuildRecord[]> {
    const rows: Row[] = await runExclusive(this.db, () =>
      this.db.query(...portable(this.db, `SELECT * FROM ${this.table} ${where}`, params)),
    );
    return rows.map(toRecord);
  }

  /** Affected rows. Inside a given transaction as is (the caller holds the SQLite queue), else queued. */
  private async exec(sql: string, params: unknown[], within?: EntityManager): Promise<number> {
    const [text, values] = portable(this.db, sql, params);
    if (within?.queryRunner) {
      return ((await within.queryRunner.query(text, values, true)) as { affected?: number }).affected ?? 0;
    }
    return runExclusive(this.db, async () => {
      const runner = this.db.createQueryRunner();
      try {
        return ((await runner.query(text, values, true)) as { affected?: number }).affected ?? 0;
      } finally {
        await runner.release();
      }
    });
  }
}
