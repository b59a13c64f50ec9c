import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** The `crm` binary as users run it (bin/crm.js loads the build). */
export const CRM_BIN = join(__dirname, '../../bin/crm.js');
/** What the binary needs: suites of the built CLI fail early and clearly without it. */
export const CRM_BUILT = join(__dirname, '../../dist/apps/cli/src/main.js');

export interface CliRun {
  /** Exit code; null when a signal ended the process. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function requireBuiltCli(): void {
  if (!existsSync(CRM_BUILT))
    throw new Error(`${CRM_BUILT} is missing: run "npm run build" first (npm test does)`);
}

/** Runs `crm <args>` to its end with exactly this environment; never rejects (the exit code tells). */
export function runCrm(args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CRM_BIN, ...args], { env, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * The environment of the built binary on an embedded DATA_DIR: the CI environment's server URLs and keys
 * removed, so the process runs the embedded deployment whatever the test machine exports.
 */
export function embeddedEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const {
    EVENTSTORE_URL: _e,
    KAFKA_BROKERS: _k,
    DATABASE_URL: _d,
    CLICKHOUSE_URL: _c,
    API_KEYS: _a,
    ...inherited
  } = process.env;
  return { ...inherited, DATA_DIR: dataDir, ...extra };
}

/** A TCP port free on 127.0.0.1 right now, for a server the test starts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
