import {
  ClickHouseMigrationsRunner,
  createAnalyticsClient,
  EmbeddedEngineBusyError,
  loadClickHouseMigrations,
} from '@crm/analytics';
import { loadConfig } from '@crm/config';
import { createReadModelDataSource } from '@crm/read-model';
import type { CliCommand } from '../cli';
import { EXIT } from '../exit-codes';

export const migrateCommand: CliCommand = {
  summary: 'Apply pending schema migrations (read model and analytics)',
  usage: `Usage: crm migrate

Applies the pending read-model migrations (PostgreSQL when DATABASE_URL is set, else SQLite under DATA_DIR)
and the analytics migrations of infra/clickhouse (ClickHouse at CLICKHOUSE_URL, else the embedded engine
under DATA_DIR), and lists what was applied. Safe to run again: applied migrations are recorded and skipped;
an applied ClickHouse migration whose file changed since is refused.

Beside a running \`crm serve\` on the same DATA_DIR, the embedded analytics engine belongs to that process,
which applied the migrations when it started: migrate says so and exits with 3.`,
  options: {},
  async run() {
    const config = loadConfig();
    const dataSource = createReadModelDataSource({
      databaseUrl: config.DATABASE_URL,
      dataDir: config.dataDir,
    });
    await dataSource.initialize();
    try {
      const applied = await dataSource.runMigrations({ transaction: 'all' });
      console.log(
        applied.length === 0
          ? 'read model: up to date'
          : applied.map((m) => `read model: applied ${m.name}`).join('\n'),
      );
    } finally {
      await dataSource.destroy();
    }
    const analytics = createAnalyticsClient({
      clickhouseUrl: config.CLICKHOUSE_URL,
      dataDir: config.dataDir,
    });
    try {
      return await migrateAnalytics(analytics);
    } catch (error) {
      if (!(error instanceof EmbeddedEngineBusyError)) throw error;
      console.error(
        `crm migrate: ${error.message}. The serving process applied the analytics migrations when it ` +
          'started; stop it to run crm migrate here.',
      );
      return EXIT.BUSY;
    } finally {
      await analytics.close();
    }
  },
};

/** Applies the ClickHouse migrations and lists them; EmbeddedEngineBusyError when another process has the engine. */
async function migrateAnalytics(analytics: ReturnType<typeof createAnalyticsClient>): Promise<number> {
  const migrations = loadClickHouseMigrations();
  const result = await new ClickHouseMigrationsRunner(analytics, migrations).run();
  const fileOf = (version: number) => migrations.find((m) => m.version === version)?.file;
  console.log(
    result.applied.length === 0
      ? `analytics (${result.database}): up to date`
      : result.applied.map((v) => `analytics (${result.database}): applied ${fileOf(v)}`).join('\n'),
  );
  return EXIT.OK;
}
