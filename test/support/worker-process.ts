import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const WORKER_MAIN = join(__dirname, '../../dist/apps/worker/src/main.js');

/** A real worker process (the built apps/worker), so tests can SIGKILL it like an operator or the OOM killer. */
export class WorkerProcess {
  private child?: ChildProcess;
  private exited?: Promise<number | null>;

  constructor(
    readonly name: string,
    private readonly env: Record<string, string>,
    private readonly logFile: string,
  ) {}

  static assertBuilt(): void {
    if (!existsSync(WORKER_MAIN))
      throw new Error(`${WORKER_MAIN} is missing: run "npm run build" first (npm test does)`);
  }

  start(): void {
    const log = createWriteStream(this.logFile, { flags: 'a' });
    const child = spawn(process.execPath, [WORKER_MAIN], {
      env: { ...process.env, ...this.env, WORKER_ID: this.name },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Both streams share the file: neither may end it while the other still writes (write after end).
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.once('close', () => log.end());
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    this.child = child;
  }

  /** Resolves once the worker has booted (its "running" log line); fails if it exits or takes too long. */
  async ready(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (
        existsSync(this.logFile) &&
        readFileSync(this.logFile, 'utf8').includes(`Worker ${this.name} running`)
      )
        return;
      if (!this.running) throw new Error(`worker ${this.name} exited before it was ready`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`worker ${this.name} not ready after ${timeoutMs} ms`);
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.running) return;
    this.child?.kill(signal);
    await this.exited;
  }
}
