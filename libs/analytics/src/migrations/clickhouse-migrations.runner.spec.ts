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

  it('numbers the files 0001.. without gaps', () => {
    expect(all.map((m) => m.version)).toEqual(all.map((_, i) => i + 1));
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

  it('creates the tables and the analysts views', async () => {
    const tables = await selectRows<{ name: string; engine: string }>(
      db.ch.client,
      'SELECT name, engine FROM system.tables WHERE database = {db:String} ORDER BY name',
      { db: db.database },
    );
    const engines = Object.fromEntries(tables.map((t) => [t.name, t.engine]));
    expect(engines).toMatchObject({
      events: 'ReplacingMergeTree',
      customers: 'ReplacingMergeTree',
      customer_daily: 'ReplacingMergeTree',
      clv_models: 'ReplacingMergeTree',
      clv_predictions: 'ReplacingMergeTree',
      projection_checkpoints: 'ReplacingMergeTree',
      schema_migrations: 'ReplacingMergeTree',
      rfm_customers: 'View',
      rfm_segments: 'View',
      lifecycle_funnel: 'View',
      churn_by_month: 'View',
      cohort_retention: 'View',
      customer_ltv: 'View',
      best_customer_profile: 'View',
      promoter_referrers: 'View',
      purchase_timing: 'View',
      category_seasonality: 'View',
      clv_summary: 'View',
      clv_holdout: 'View',
      portfolio_customers: 'View',
    });
  });

  it('refuses to run when an applied file was edited', async () => {
    const edited = all.map((m) =>
      m.version === 2 ? { ...m, sql: `${m.sql}\n-- edited`, checksum: migrationChecksum(`${m.sql}\n-- edited`) } : m,
    );
    await expect(new ClickHouseMigrationsRunner(db.ch, edited).run()).rejects.toBeInstanceOf(
      MigrationChecksumError,
    );
  });
});
