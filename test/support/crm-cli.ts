import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
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
