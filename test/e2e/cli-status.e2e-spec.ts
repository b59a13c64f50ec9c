import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embeddedEnv, requireBuiltCli, runCrm } from '../support/crm-cli';

/** The built binary on an embedded DATA_DIR. */
const crm = (args: string[], dataDir: string) => runCrm(args, embeddedEnv(dataDir));

jest.setTimeout(120_000);

/** `crm status`: every stage, the analytics projection included, and a clear refusal of a missing DATA_DIR. */
describe('crm status (the built binary)', () => {
  let dir: string;

  beforeAll(() => {
    requireBuiltCli();
    dir = mkdtempSync(join(tmpdir(), 'crm-cli-status-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says that a DATA_DIR does not exist, exits 1 and creates nothing', async () => {
    const missing = join(dir, 'no-such-dir');
    const run = await crm(['status'], missing);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`DATA_DIR ${missing} does not exist`);
    expect(run.stdout).toBe('');
    expect(existsSync(missing)).toBe(false);
  });

  it('lists the relay, the read model and the analytics projection with their state', async () => {
    const data = join(dir, 'migrated');
    expect((await crm(['migrate'], data)).code).toBe(0);
    const json = await crm(['status', '--json'], data);
    expect(json.code).toBe(0);
    const stages = JSON.parse(json.stdout).stages as { name: string; state: string; headPosition: string }[];
    expect(stages.map((s) => [s.name, s.state, s.headPosition])).toEqual([
      ['relay', 'live', '0'],
      ['customer-read-model', 'live', '0'],
      ['analytics', 'live', '0'],
    ]);
    const table = await crm(['status'], data);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^stage\s+state\s+position/);
    expect(table.stdout).toMatch(/^analytics\s+live\s+/m);
  });
});
