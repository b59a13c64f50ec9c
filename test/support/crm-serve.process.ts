import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { CRM_BIN, freePort, requireBuiltCli } from './crm-cli';

/** One stage of GET /v1/admin/pipeline, as much of it as the suites read. */
export interface PipelineStage {
  readonly name: string;
  readonly state: string;
  /** Null before the stage's first event. */
  readonly position: string | null;
  readonly headPosition: string;
  readonly lagEvents: number;
}

/** The stages a caught-up `crm serve` has at the store's head: the relay and both projections. */
export const ALL_STAGES = ['relay', 'customer-read-model', 'analytics'] as const;

/**
 * `crm serve` as a user starts it: the built binary in a process of its own on a free port, its output in a
 * log file (for failure messages). The suite gives the environment; HOST and PORT are set here.
 */
export class CrmServeProcess {
  private constructor(
    private readonly child: ChildProcess,
    private readonly exited: Promise<number | NodeJS.Signals | null>,
    readonly baseUrl: string,
    private readonly logFile: string,
    private readonly token: string,
  ) {}

  static async start(env: NodeJS.ProcessEnv, logFile: string, token: string): Promise<CrmServeProcess> {
    requireBuiltCli();
    const port = await freePort();
    const log = createWriteStream(logFile, { flags: 'a' });
    const child = spawn(process.execPath, [CRM_BIN, 'serve'], {
      env: { ...env, HOST: '127.0.0.1', PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Both streams share the file: neither may end it while the other still writes.
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.once('close', () => log.end());
    const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
      child.once('exit', (code, signal) => resolve(code ?? signal)),
    );
    const serve = new CrmServeProcess(child, exited, `http://127.0.0.1:${port}`, logFile, token);
    await serve.ready();
    return serve;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** GET on the API with the suite's key; the parsed body, or an error naming the status. */
  async get<T>(path: string): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, { headers: { authorization: `Bearer ${this.token}` } });
    const text = await res.text();
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${text.slice(0, 500)}`);
    return JSON.parse(text) as T;
  }

  /** Waits (on state, never a fixed delay) until /health answers: the app has booted and listens. */
  private async ready(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`crm serve exited at start-up\n${this.logTail()}`);
      // Any answer (200, or 503 while a stage warms up) means it listens.
      const up = await fetch(`${this.baseUrl}/health`).then(
        () => true,
        () => false,
      );
      if (up) return;
      if (Date.now() > deadline)
        throw new Error(`crm serve did not answer in ${timeoutMs} ms\n${this.logTail()}`);
      await sleep(250);
    }
  }

  /**
   * Polls GET /v1/admin/pipeline until every named stage has handled the store up to `head` (and the store's
   * head is `head`: nothing more was appended than the suite knows of). Fails with the last answer.
   */
  async waitForStages(
    head: bigint,
    timeoutMs: number,
    stages: readonly string[] = ALL_STAGES,
  ): Promise<PipelineStage[]> {
    const deadline = Date.now() + timeoutMs;
    let last: PipelineStage[] = [];
    for (;;) {
      if (!this.running) throw new Error(`crm serve exited\n${this.logTail()}`);
      last = (await this.get<{ stages: PipelineStage[] }>('/v1/admin/pipeline')).stages;
      const named = stages.map((name) => last.find((s) => s.name === name));
      if (named.every((s) => s !== undefined && atHead(s, head))) return last;
      if (Date.now() > deadline)
        throw new Error(
          `pipeline not at ${head} after ${timeoutMs} ms: ${JSON.stringify(last)}\n${this.logTail()}`,
        );
      // Seldom while far behind: an answer reads up to 10,000 events per stage to count the lag.
      await sleep(last.some((s) => s.lagEvents >= 1000) ? 2000 : 250);
    }
  }

  /**
   * SIGTERM (the service drains its batches and closes its stores), then waits for the exit: its code, or the
   * signal when the process ends by it (0 and SIGTERM are both a clean stop).
   */
  async stop(): Promise<number | NodeJS.Signals | null> {
    if (this.running) this.child.kill('SIGTERM');
    return this.exited;
  }

  /** Last resort of a failed suite: SIGKILL. */
  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }

  logTail(lines = 40): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}

/** The stage has handled everything up to `head`, and `head` is the store's head. */
export function atHead(stage: PipelineStage, head: bigint): boolean {
  return stage.position !== null && BigInt(stage.position) === head && BigInt(stage.headPosition) === head;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
