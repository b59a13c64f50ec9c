import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { ApiHarness, startApi } from '../support/api-harness';

const ANALYTICS_LIB = join(__dirname, '../../dist/libs/analytics/src/index.js');

/**
 * /health with an adapter down that the other suites do not take down: the embedded analytics engine, held
 * by another process on the same DATA_DIR (as a second `crm serve` would find it).
 */
describe('GET /health with the analytics store unavailable', () => {
  let dataDir: string;
  let holder: ChildProcess;
  let api: ApiHarness;

  beforeAll(async () => {
    if (!existsSync(ANALYTICS_LIB)) throw new Error(`${ANALYTICS_LIB} is missing: run "npm run build" first`);
    dataDir = mkdtempSync(join(tmpdir(), 'crm-health-'));
    holder = spawn(
      process.execPath,
      [
        '-e',
        `const a = require(${JSON.stringify(ANALYTICS_LIB)});
         const ch = a.createAnalyticsClient({ dataDir: ${JSON.stringify(dataDir)} });
         a.selectRows(ch.client, 'SELECT 1').then(() => { console.log('holding'); setInterval(() => {}, 1000); });`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => holder.stdout?.once('data', () => resolve()));
    api = await startApi({ DATA_DIR: dataDir });
  });
  afterAll(async () => {
    await api?.close();
    holder?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 503 UNHEALTHY with Retry-After, naming analytics down and the others up', async () => {
    const res = await request(api.http).get('/health').expect(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({
      status: 503,
      code: 'UNHEALTHY',
      detail: 'Not answering: analytics',
      checks: {
        eventStore: { adapter: 'sqlite', status: 'up' },
        readModel: { adapter: 'sqlite', status: 'up' },
        analytics: { adapter: 'chdb', status: 'down', error: expect.stringContaining('in use by process') },
      },
    });
  });
});
