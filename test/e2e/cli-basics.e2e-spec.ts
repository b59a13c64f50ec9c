import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CRM_BIN, embeddedEnv, freePort, requireBuiltCli, runCrm, type CliRun } from '../support/crm-cli';

function crm(args: string[], dataDir: string): Promise<CliRun> {
  return runCrm(args, embeddedEnv(dataDir));
}

/** How the process ended: its exit code, or the signal Nest re-raises after its shutdown hooks ran. */
function exitOf(child: ChildProcess): Promise<number | NodeJS.Signals | null> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
}

jest.setTimeout(120_000);

/** serve, migrate, status, keys and the help/usage contract, as a script would run them. */
describe('crm (the built binary): serve, migrate, status, keys, help', () => {
  let dir: string;

  beforeAll(() => {
    requireBuiltCli();
    dir = mkdtempSync(join(tmpdir(), 'crm-cli-basics-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answers --help with 0 for itself and every command, and usage errors with 2', async () => {
    const top = await crm(['--help'], dir);
    expect(top.code).toBe(0);
    const commands = [...top.stdout.matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => m[1]);
    expect(commands).toEqual(
      expect.arrayContaining(['serve', 'migrate', 'status', 'replay', 'import', 'generate', 'customer']),
    );
    for (const name of commands) {
      const help = await crm([name, '--help'], dir);
      expect({ name, code: help.code }).toEqual({ name, code: 0 });
      expect(help.stdout).toContain(`crm ${name}`);
    }
    expect((await crm([], dir)).code).toBe(2);
    expect((await crm(['no-such-command'], dir)).code).toBe(2);
    expect((await crm(['status', '--no-such-option'], dir)).code).toBe(2);
  });

  it('migrates a fresh data directory, then reports status as JSON', async () => {
    const data = join(dir, 'migrate');
    const migrate = await crm(['migrate'], data);
    expect(migrate.code).toBe(0);
    expect(migrate.stdout).toContain('applied 0001_events.sql');
    for (const path of ['read-model.sqlite', 'clickhouse']) expect(existsSync(join(data, path))).toBe(true);
    const again = await crm(['migrate'], data); // idempotent: the runners recorded what they applied
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain('applied 0001_events.sql');

    const status = await crm(['status', '--json'], data);
    expect(status.code).toBe(0);
    const stages = JSON.parse(status.stdout).stages as { name: string; headPosition: string }[];
    expect(stages.map((s) => s.name)).toEqual(expect.arrayContaining(['relay', 'customer-read-model']));
    for (const stage of stages) expect(stage.headPosition).toBe('0');
  });

  it('mints a key whose token is shown once and whose entry holds only a salted hash', async () => {
    const run = await crm(['keys', 'create', '--scopes', 'events:write,customers:read', '--json'], dir);
    expect(run.code).toBe(0);
    const { token, entry } = JSON.parse(run.stdout) as {
      token: string;
      entry: { id: string; salt: string; hash: string; scopes: string[] };
    };
    expect(token).toMatch(/^crm_/);
    expect(entry.scopes).toEqual(['events:write', 'customers:read']);
    expect(JSON.stringify(entry)).not.toContain(token.split('_').pop());
    expect((await crm(['keys', 'create', '--scopes', 'root'], dir)).code).toBe(2);
  });

  it('serves the whole flow on its port and stops cleanly on SIGTERM', async () => {
    const data = join(dir, 'serve');
    const port = await freePort();
    const child = spawn(process.execPath, [CRM_BIN, 'serve'], {
      env: embeddedEnv(data, { PORT: String(port), HOST: '127.0.0.1' }),
      stdio: 'ignore',
    });
    const exited = exitOf(child);
    try {
      const base = `http://127.0.0.1:${port}`;
      let health: Response | undefined;
      for (let i = 0; i < 120 && !health?.ok; i++) {
        health = await fetch(`${base}/health`).catch(() => undefined);
        if (!health?.ok) await new Promise((r) => setTimeout(r, 500));
      }
      expect(health?.status).toBe(200);
      // The development key it generated and wrote, with every scope.
      const key = readFileSync(join(data, 'dev-api-key'), 'utf8').trim();
      const published = await fetch(`${base}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          type: 'CustomerAcquired',
          customerId: 'cli-1',
          occurredAt: '2026-01-05T09:00:00Z',
          data: { channel: 'organic' },
        }),
      });
      expect(published.status).toBe(201);
      const { results } = (await published.json()) as { results: { globalPosition: string }[] };
      const customer = await fetch(`${base}/v1/customers/cli-1?minPosition=${results[0].globalPosition}`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(customer.status).toBe(200);
      expect(await customer.json()).toMatchObject({ customerId: 'cli-1', stage: 'acquired' });
      expect((await fetch(`${base}/v1/customers/cli-1`)).status).toBe(401);
      // Beside it, migrate gives the reason in one line (the engine is the server's), not a stack trace.
      const migrate = await crm(['migrate'], data);
      expect(migrate.code).toBe(3);
      expect(migrate.stderr).toMatch(
        /^crm migrate: The embedded ClickHouse engine at .* is in use by process \d+/,
      );
      expect(migrate.stderr).not.toMatch(/\n\s+at /);
    } finally {
      child.kill('SIGTERM');
    }
    // Graceful: shutdown hooks drained and closed everything, then the process ended on the signal (or 0).
    expect([0, 'SIGTERM']).toContain(await exited);
  });
});
