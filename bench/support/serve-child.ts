import type { ChildProcess } from 'node:child_process';

/** The caller's environment without the settings that would swap an embedded adapter for a server. */
export function embeddedEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['EVENTSTORE_URL', 'KAFKA_BROKERS', 'DATABASE_URL', 'CLICKHOUSE_URL', 'API_KEYS']) {
    delete env[name];
  }
  return env;
}

/**
 * Node's options that run a process under `--cpu-prof` with its profiles in `dir` (a child it forks inherits
 * them, so it writes one of its own); none without a directory. NODE_OPTIONS does not accept --cpu-prof.
 */
export function cpuProfArgs(dir: string | undefined): string[] {
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/**
 * Waits until the child `crm serve` answers /health with 200 and, when given, `accept` takes the answer's body;
 * kills it and fails after `timeoutMs` or when it exits first (the error names its log file).
 */
export async function waitHealthy(
  child: ChildProcess,
  baseUrl: string,
  logFile: string,
  timeoutMs: number,
  accept?: (body: object) => boolean,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`crm serve exited with ${child.exitCode}; see ${logFile}`);
    try {
      const response = await fetch(`${baseUrl}/health`);
      if (response.ok && (!accept || accept((await response.json()) as object))) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  child.kill('SIGKILL');
  throw new Error(`crm serve not ready after ${timeoutMs / 1000} s; see ${logFile}`);
}

/** SIGTERM, then SIGKILL after `killAfterMs`; resolves with the exit code, or the signal's name. */
export function stopChild(child: ChildProcess, killAfterMs: number): Promise<number | string | null> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve(child.exitCode ?? child.signalCode);
  }
  return new Promise((resolveExit) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.once('exit', (code, signal) => {
      clearTimeout(killer);
      resolveExit(code ?? signal);
    });
    child.kill('SIGTERM');
  });
}
