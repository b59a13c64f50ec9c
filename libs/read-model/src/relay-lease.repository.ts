import { runExclusive } from './exclusive-access';
import { quotedTable } from './sql-dialect';
import type { DataSource } from 'typeorm';

const table = (db: DataSource) => quotedTable(db, 'relay_leases');

/** The lease was taken over by another relay: stop publishing at once. */
export class LeaseLostError extends Error {
  constructor(
    readonly name_: string,
    readonly owner: string,
  ) {
    super(`Relay lease ${name_} is no longer held by ${owner}`);
    this.name = 'LeaseLostError';
  }
}

export interface RelayLeaseState {
  readonly owner: string | null;
  readonly expiresAt: number;
  /** Last global position published to the bus (exclusive start of the next run). */
  readonly position: bigint | undefined;
  readonly positionRecordedAt: string | null;
}

/**
 * Leadership and checkpoint of the relay in one row of the read-model database (`relay_leases`), so that
 * only the holder of the lease can move the checkpoint: a relay that lost its lease (paused, partitioned)
 * can at worst publish a duplicate batch, never move the checkpoint backwards or skip events.
 *
 * Expiry uses the relays' wall clocks: keep them NTP-synchronised and the TTL well above any skew.
 * Portable SQL only (PostgreSQL and SQLite): plain INSERT ... ON CONFLICT DO NOTHING and conditional UPDATEs.
 */
export class RelayLease {
  constructor(
    private readonly db: DataSource,
    readonly name: string,
    readonly owner: string,
    private readonly ttlMs: number,
  ) {}

  /** Takes the lease if free or expired, or renews it if held. True when this relay holds it now. */
  async tryAcquire(now = Date.now()): Promise<boolean> {
    await runExclusive(this.db, () =>
      this.db.query(
        ...portable(
          this.db,
          `INSERT INTO ${table(this.db)} (name, owner, expires_at, position, position_recorded_at) VALUES ($1, NULL, 0, NULL, NULL) ON CONFLICT (name) DO NOTHING`,
          [this.name],
        ),
      ),
    );
    const changed = await this.update(
      `UPDATE ${table(this.db)} SET owner = $1, expires_at = $2 WHERE name = $3 AND (owner = $1 OR owner IS NULL OR expires_at < $4)`,
      [this.owner, now + this.ttlMs, this.name, now],
    );
    return changed === 1;
  }

  /** Stores the checkpoint and renews the lease in one statement; throws LeaseLostError if another relay took over. */
  async checkpoint(position: bigint, recordedAt: string, now = Date.now()): Promise<void> {
    const changed = await this.update(
      `UPDATE ${table(this.db)} SET position = $1, position_recorded_at = $2, expires_at = $3 WHERE name = $4 AND owner = $5`,
      [position.toString(), recordedAt, now + this.ttlMs, this.name, this.owner],
    );
    if (changed !== 1) throw new LeaseLostError(this.name, this.owner);
  }

  async renew(now = Date.now()): Promise<void> {
    const changed = await this.update(
      `UPDATE ${table(this.db)} SET expires_at = $1 WHERE name = $2 AND owner = $3`,
      [now + this.ttlMs, this.name, this.owner],
    );
    if (changed !== 1) throw new LeaseLostError(this.name, this.owner);
  }

  /** Lets a standby take over at once (graceful shutdown) instead of waiting for the TTL. */
  async release(): Promise<void> {
    await this.update(
      `UPDATE ${table(this.db)} SET owner = NULL, expires_at = 0 WHERE name = $1 AND owner = $2`,
      [this.name, this.owner],
    );
  }

  async read(): Promise<RelayLeaseState | undefined> {
    return readRelayLease(this.db, this.name);
  }

  private async update(sql: string, params: unknown[]): Promise<number> {
    return runExclusive(this.db, async () => {
      const runner = this.db.createQueryRunner();
      try {
        const [text, values] = portable(this.db, sql, params);
        // The structured result carries `affected` on every driver.
        const result = await runner.query(text, values, true);
        return result.affected ?? 0;
      } finally {
        await runner.release();
      }
    });
  }
}

export async function readRelayLease(db: DataSource, name: string): Promise<RelayLeaseState | undefined> {
  const rows: {
    owner: string | null;
    expires_at: string | number;
    position: string | null;
    position_recorded_at: string | null;
  }[] = await runExclusive(db, () =>
    db.query(
      ...portable(
        db,
        `SELECT owner, expires_at, position, position_recorded_at FROM ${table(db)} WHERE name = $1`,
        [name],
      ),
    ),
  );
  if (rows.length === 0) return undefined;
  const row = rows[0];
  return {
    owner: row.owner,
    expiresAt: Number(row.expires_at),
    position: row.position === null ? undefined : BigInt(row.position),
    positionRecordedAt: row.position_recorded_at,
  };
}

/** PostgreSQL takes `$n` placeholders; SQLite gets `?` with the values repeated in order of use. */
function portable(db: DataSource, sql: string, params: unknown[]): [string, unknown[]] {
  if (db.options.type === 'postgres') return [sql, params];
  const values: unknown[] = [];
  const text = sql.replace(/\$(\d+)/g, (_m, n: string) => {
    values.push(params[Number(n) - 1]);
    return '?';
  });
  return [text, values];
}
