import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAnalyticsClient, type AnalyticsClient } from '../clickhouse/analytics-client.factory';
import { runStatement } from '../clickhouse/clickhouse-statements';
import { ClickHouseMigrationsRunner } from '../migrations/clickhouse-migrations.runner';

export interface TestAnalytics {
  readonly ch: AnalyticsClient;
  readonly database: string;
  /** Drops the suite's database (the engine itself stays up for the next suite of this process). */
  drop(): Promise<void>;
}

const PREFIX = 'crm-analytics-test-';

/**
 * The embedded engine's directory for this test process. libchdb binds one directory per process, so every
 * suite of a Jest worker shares it and isolates itself in its own database.
 */
export function testEngineDir(): string {
  return join(tmpdir(), `${PREFIX}${process.pid}`);
}

/** Leftovers of test processes that are gone (the engine never closes, so nobody removes its directory). */
function removeStaleEngineDirs(): void {
  for (const entry of readdirSync(tmpdir())) {
    if (!entry.startsWith(PREFIX)) continue;
    const pid = Number(entry.slice(PREFIX.length));
    if (!Number.isInteger(pid) || pid === process.pid || isAlive(pid)) continue;
    rmSync(join(tmpdir(), entry), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let cleaned = false;

/**
 * A fresh, migrated database for one test suite: on the embedded engine, or on a ClickHouse server when
 * `clickhouseUrl` is given (integration suites).
 */
export async function openTestAnalytics(
  label: string,
  options: { clickhouseUrl?: string; migrate?: boolean } = {},
): Promise<TestAnalytics> {
  if (!options.clickhouseUrl && !cleaned) {
    cleaned = true;
    removeStaleEngineDirs();
  }
  const database = `test_${label.replace(/[^A-Za-z0-9_]/g, '_')}_${randomBytes(4).toString('hex')}`;
  const ch = createAnalyticsClient({
    clickhouseUrl: options.clickhouseUrl,
    dataDir: testEngineDir(),
    database,
  });
  if (options.migrate !== false) await new ClickHouseMigrationsRunner(ch).run();
  else await runStatement(ch.client, `CREATE DATABASE IF NOT EXISTS ${database}`);
  return {
    ch,
    database,
    drop: async () => {
      await runStatement(ch.client, `DROP DATABASE IF EXISTS ${database} SYNC`);
      await ch.close();
    },
  };
}
