import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const SCRIPTS = join(__dirname, '../../infra/local');

type Script = 'postgres.sh' | 'kafka.sh';

/**
 * Runs an infra/local script with this process's environment, so CRM_RUN_DIR, PGPORT, KAFKA_PORT and
 * KAFKA_CONTROLLER_PORT select the same servers the suite was given (CI's, or a developer's private ones).
 */
function run(script: Script, command: string, timeoutMs = 180_000): string {
  try {
    return execFileSync('bash', [join(SCRIPTS, script), command], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '');
    throw new Error(`${script} ${command} failed: ${(error as Error).message}\n${stderr.slice(-2_000)}`);
  }
}

const hostPort = (url: string) => {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port}`;
};

/** The value of `NAME=...` on a script's result line, undefined when the script fails or prints none. */
function statusValue(script: Script, name: string): string | undefined {
  try {
    return run(script, 'status', 30_000).match(new RegExp(`^${name}=(.*)$`, 'm'))?.[1];
  } catch {
    return undefined;
  }
}

/**
 * Why the suite may not stop and start the servers it was given, or undefined when it may: only servers
 * that infra/local manages under the current environment are touched, never someone else's PostgreSQL.
 */
export function whyServersNotRestartable(
  databaseUrl: string,
  brokers: readonly string[],
): string | undefined {
  const managedPg = statusValue('postgres.sh', 'DATABASE_URL');
  if (!managedPg || hostPort(managedPg) !== hostPort(databaseUrl))
    return `DATABASE_URL (${hostPort(databaseUrl)}) is not the PostgreSQL infra/local/postgres.sh runs here (${managedPg ?? 'none'}); set CRM_RUN_DIR/PGPORT to match`;
  const managedKafka = statusValue('kafka.sh', 'KAFKA_BROKERS');
  if (managedKafka !== brokers.join(','))
    return `KAFKA_BROKERS (${brokers.join(',')}) is not the broker infra/local/kafka.sh runs here (${managedKafka ?? 'none'}); set CRM_RUN_DIR/KAFKA_PORT/KAFKA_CONTROLLER_PORT to match`;
  return undefined;
}

/** Fast shutdown: connections are terminated, as in a failover or an operator's restart. */
export const stopPostgres = () => void run('postgres.sh', 'stop');
export const startPostgres = () => void run('postgres.sh', 'start');
/** Controlled shutdown (SIGTERM, SIGKILL after the script's timeout). Data and offsets are kept. */
export const stopKafka = () => void run('kafka.sh', 'stop');
export const startKafka = () => void run('kafka.sh', 'start');
