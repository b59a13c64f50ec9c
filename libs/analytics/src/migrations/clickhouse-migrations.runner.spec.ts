import { selectRows } from '../clickhouse/clickhouse-statements';
import { openTestAnalytics, type TestAnalytics } from '../testing/analytics-test-database';
import { loadClickHouseMigrations, migrationChecksum } from './clickhouse-migration.files';
import { ClickHouseMigrationsRunner, MigrationChecksumError } from './clickhouse-migrations.runner';
import { splitSqlStatements } from './sql-statements';

describe('splitSqlStatements', () => {
  it('splits on semicolons outside literals, identifiers and comments', () => {
    const sql = [
      "-- a comment; with a semicolon\nCREATE TABLE t (a String DEFAULT 'x;y') ENGINE = Memory;",
      "SELECT 'it''s; fine', 'Can\\'t; stop', `odd;name` /* block; comment */ FROM t;",
      '-- only a comment at the end',
    ].join('\n');
    expect(splitSqlStatements(sql)).toEqual([
      "-- a comment; with a semicolon\nCREATE TABLE t (a String DEFAULT 'x;y') ENGINE = Memory",
      "SELECT 'it''s; fine', 'Can\\'t; stop', `odd;name` /* block; comment */ FROM t",
    ]);
  });
});

describe('ClickHouseMigrationsRunner', () => {
  let db: TestAnalytics;
  const all = loadClickHouseMigrations();

  beforeAll(async () => {
    db = await openTestAnalytics('migrations', { migrate: false });
  });
  afterAll(() => db.drop());

  it('numbers the files from 0001 upwards, each version once', () => {
    // Blocks of numbers are reserved per line of work (0010-0019, 0020-0029), so a block may end in a gap.
    const versions = all.map((m) => m.version);
    expect(versions).toEqual([...new Set(versions)].sort((a, b) => a - b));
    expect(versions.slice(0, 9)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(all[0]).toMatchObject({ version: 1, name: 'events', file: '0001_events.sql' });
  });

  it('applies pending files in order and records version, name, checksum and time', async () => {
    const first = await new ClickHouseMigrationsRunner(db.ch, all.slice(0, 2)).run();
    expect(first).toEqual({ database: db.database, applied: [1, 2], skipped: [] });

    const rest = await new ClickHouseMigrationsRunner(db.ch, all).run();
    expect(rest.applied).toEqual(all.slice(2).map((m) => m.version));
    expect(rest.skipped).toEqual([1, 2]);

    const recorded = await new ClickHouseMigrationsRunner(db.ch, all).appliedMigrations();
    expect(recorded.map(({ version, name, checksum }) => ({ version, name, checksum }))).toEqual(
      all.map(({ version, name, checksum }) => ({ version, name, checksum })),
    );
    expect(recorded[0].appliedAt).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);

    const again = await new ClickHouseMigrationsRunner(db.ch, all).run();
    expect(again.applied).toEqual([]);
  });

  it('creates the fact table, the customer dimension and the daily aggregate, deduplicating engines all', async () => {
    const tables = await selectRows<{
      name: string;
      engine: string;
      sorting_key: string;
      partition_key: string;
    }>(
      db.ch.client,
      `SELECT name, engine, sorting_key, partition_key FROM system.tables
       WHERE database = {db:String} AND engine NOT LIKE '%View' ORDER BY name`,
      { db: db.database },
    );
    const byName = Object.fromEntries(tables.map(({ name, ...rest }) => [name, rest]));
    expect(byName).toMatchObject({
      events: {
        engine: 'ReplacingMergeTree',
        sorting_key: 'event_type, customer_id, occurred_at, event_id',
        partition_key: 'toYear(occurred_at)',
      },
      customers: { engine: 'ReplacingMergeTree', sorting_key: 'customer_id' },
      customer_daily: { engine: 'ReplacingMergeTree', sorting_key: 'customer_id, currency, day' },
      projection_checkpoints: { engine: 'ReplacingMergeTree', sorting_key: 'projection_name' },
      schema_migrations: { engine: 'ReplacingMergeTree', sorting_key: 'version' },
    });
  });

  it('refuses to run when an applied file was edited', async () => {
    const edited = all.map((m) =>
      m.version === 2
        ? { ...m, sql: `${m.sql}\n-- edited`, checksum: migrationChecksum(`${m.sql}\n-- edited`) }
        : m,
    );
    await expect(new ClickHouseMigrationsRunner(db.ch, edited).run()).rejects.toBeInstanceOf(
      MigrationChecksumError,
    );
  });

  it('records a file only once all of its statements ran, so a failed file is run again whole', async () => {
    const scratch = await openTestAnalytics('migrations_partial', { migrate: false });
    try {
      const file = (sql: string) => ({
        version: 1,
        name: 'partial',
        file: '0001_partial.sql',
        sql,
        checksum: migrationChecksum(sql),
      });
      const good = 'CREATE TABLE IF NOT EXISTS {{database}}.a (x UInt8) ENGINE = MergeTree ORDER BY x';
      const broken = file(`${good};\nCREATE TABLE {{database}}.b (x UInt8) ENGINE = NoSuchEngine`);
      await expect(new ClickHouseMigrationsRunner(scratch.ch, [broken]).run()).rejects.toThrow(
        /NoSuchEngine/,
      );
      expect(await new ClickHouseMigrationsRunner(scratch.ch, [broken]).appliedMigrations()).toEqual([]);

      const fixed = file(
        `${good};\nCREATE TABLE IF NOT EXISTS {{database}}.b (x UInt8) ENGINE = MergeTree ORDER BY x`,
      );
      expect((await new ClickHouseMigrationsRunner(scratch.ch, [fixed]).run()).applied).toEqual([1]);
    } finally {
      await scratch.drop();
    }
  });
});
