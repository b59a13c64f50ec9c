import { ClickHouseMigrationsRunner, createAnalyticsClient, loadClickHouseMigrations } from '@crm/analytics';
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
an applied ClickHouse migration whose file changed since is refused.`,
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
      const migrations = loadClickHouseMigrations();
      const result = await new ClickHouseMigrationsRunner(analytics, migrations).run();
      const fileOf = (version: number) => migrations.find((m) => m.version === version)?.file;
      console.log(
        result.applied.length === 0
          ? `analytics (${result.database}): up to date`
          : result.applied.map((v) => `analytics (${result.database}): applied ${fileOf(v)}`).join('\n'),
      );
      return EXIT.OK;
    } finally {
      await analytics.close();
    }
  },
};
