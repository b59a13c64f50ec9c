import { loadConfig } from '@crm/config';
import { createReadModelDataSource } from '@crm/read-model';
import type { CliCommand } from '../cli';
import { EXIT } from '../exit-codes';

export const migrateCommand: CliCommand = {
  summary: 'Apply pending schema migrations (read model)',
  usage: `Usage: crm migrate

Applies the pending read-model migrations (PostgreSQL when DATABASE_URL is set, else SQLite under DATA_DIR)
and lists what was applied. Safe to run again: applied migrations are recorded and skipped.`,
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
      return EXIT.OK;
    } finally {
      await dataSource.destroy();
    }
  },
};
