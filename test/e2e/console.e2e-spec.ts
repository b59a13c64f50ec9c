import { ALL_SCOPES, mintApiKey } from '@crm/http-api';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CRM_BIN, embeddedEnv, freePort, requireBuiltCli, runCrm } from '../support/crm-cli';

/**
 * The web console in a real browser (Debian's chromium, driven by playwright-core; `bash
 * infra/local/chromium.sh` installs it) against `crm serve` on a generated history. It asserts what a person
 * sees (values, axes, chart marks, states), compared with the API's own answers; never pixels.
 *
 * CONSOLE_SCREENSHOTS=1 also writes a PNG of each page to docs/console/ (how docs/console.md's are made).
 */
const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium'].find(
  (path): path is string => path !== undefined && path !== '' && existsSync(path),
);
if (!CHROMIUM) {
  console.warn(
    'Console browser e2e skipped: no chromium (bash infra/local/chromium.sh, or set CHROMIUM_PATH)',
  );
}
const SCREENSHOTS =
  process.env.CONSOLE_SCREENSHOTS === '1' ? join(__dirname, '../../docs/console') : undefined;

const everything = mintApiKey('console-all', ALL_SCOPES);
const analyst = mintApiKey('analyst', ['analytics:read']);

/** The embedded deployment on its own DATA_DIR, with the two keys of this suite. */
function consoleEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return embeddedEnv(dataDir, { API_KEYS: JSON.stringify([everything.entry, analyst.entry]), ...extra });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

jest.setTimeout(180_000);

(CHROMIUM ? describe : describe.skip)('web console (chromium)', () => {
  let dir: string;
  let base: string;
  let server: ChildProcess;
  let browser: Browser;
  let page: Page;
  /** What the page reported as broken: script errors, CSP violations, failed loads of its own files. */
  const pageProblems: string[] = [];

  const api = async <T = Record<string, unknown>>(path: string, key = everything.token): Promise<T> => {
    const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${key}` } });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };

  const text = (selector: string) => page.locator(selector).first().innerText();
  /** SVG text has no innerText: what a chart's labels say. */
  const svgText = async (selector: string) => (await page.locator(selector).first().textContent()) ?? '';
  const svgTexts = (selector: string) => page.locator(selector).allTextContents();
  const count = (selector: string) => page.locator(selector).count();
  /** Opens a page of the console by its address (the key is already in the tab's session). */
  const open = async (hash: string, ready: string) => {
    await page.goto(`${base}/console/${hash}`);
    await page.locator(ready).first().waitFor({ timeout: 120_000 });
  };
  /** A page fully drawn: nothing printed as a raw missing value; its screenshot when asked for. */
  const shoot = async (name: string) => {
    expect(await page.locator('#app').innerText()).not.toMatch(/\b(null|undefined|NaN|\[object Object\])\b/);
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  };
  const signIn = async (token: string) => {
    await page.goto(`${base}/console`);
    await page.fill('#api-key', token);
    await page.click('button[type=submit]');
    await page.locator('#key-id').waitFor();
  };

  beforeAll(async () => {
    requireBuiltCli();
    dir = mkdtempSync(join(tmpdir(), 'crm-console-'));
    const generated = await runCrm(
      ['generate', '--customers', '300', '--append', '--quiet'],
      consoleEnv(dir),
    );
    expect(generated).toMatchObject({ code: 0 });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = spawn(process.execPath, [CRM_BIN, 'serve'], {
      env: consoleEnv(dir, { PORT: String(port), HOST: '127.0.0.1' }),
      stdio: 'ignore',
    });
    // Up, then caught up: every projection at the head of the event store.
    for (let i = 0; ; i++) {
      const projections = await api<{ projections: { position: string; headPosition: string }[] }>(
        '/v1/admin/projections',
      ).catch(() => undefined);
      const caughtUp = projections?.projections.every(
        (p) => p.position === p.headPosition && p.position !== '0',
      );
      if (caughtUp) break;
      if (i > 240) throw new Error('crm serve did not catch up with the generated history');
      await sleep(500);
    }
    if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM });
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.on('pageerror', (error) => pageProblems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && !/status of (400|401|403|404|422)/.test(message.text()))
        pageProblems.push(`console: ${message.text()}`);
    });
    // The key goes in the Authorization header only: never in an address the page requests.
    page.on('request', (req) => {
      if ([everything.token, analyst.token].some((token) => req.url().includes(token)))
        pageProblems.push(`key in the address of ${req.method()} ${req.url().split('?')[0]}`);
    });
    page.on('response', (res) => {
      if (res.url().includes('/console/') && res.status() >= 400)
        pageProblems.push(`${res.status()} ${res.url()}`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  afterEach(() => {
    expect(pageProblems.splice(0)).toEqual([]);
  });

  it('refuses a wrong key, then signs in with a valid one, keeping it out of the address', async () => {
    await page.goto(`${base}/console`);
    await page.fill('#api-key', `crm_console-all_${'x'.repeat(43)}`);
    await page.click('button[type=submit]');
    await page.getByText('This is not a valid API key.').waitFor();
    await shoot('sign-in');

    await signIn(everything.token);
    expect(await text('#key-id')).toBe('console-all');
    expect(page.url()).not.toContain(everything.token);
    // Kept in the tab's session storage (the test is compiled without DOM types: the expression is a string).
    expect(await page.evaluate("sessionStorage.getItem('crm.console.apiKey')")).toBe(everything.token);
    // Every page is open to a key with every scope.
    expect(await count('.nav-link')).toBe(8);
    expect(await count('.nav-link.locked')).toBe(0);
  });

  it('shows the pipeline: every stage at the head of the event store', async () => {
    await open('#/pipeline', '#pipeline-stages');
    const { stages } = await api<{ stages: { name: string; headPosition: string }[] }>('/v1/admin/pipeline');
    const head = Number(stages[0].headPosition).toLocaleString('en-GB');
    const rows = await page.locator('#pipeline-stages tbody tr').allInnerTexts();
    expect(rows.map((r) => r.split('\t')[0])).toEqual(
      expect.arrayContaining(['relay', 'customer-read-model', 'analytics']),
    );
    for (const row of rows) {
      expect(row).toContain(head);
      expect(row).toContain('100.0%');
    }
    expect(await count('.stat-value')).toBeGreaterThan(0);
    expect(await text('.stats')).toContain(head);
    // The lag chart: one bar per stage, on an axis that says what it counts.
    expect(await count('svg.chart .mark.bar')).toBe(rows.length);
    expect(await svgText('svg.chart .axis-title')).toBe('Events behind the head of the event store');
    await shoot('pipeline');
  });

  it("shows a customer's file and timeline, and the as-of control changes the file", async () => {
    await open('#/customer', '#customer-list');
    expect(await count('#customer-list tbody tr')).toBe(25);
    await shoot('customers');

    const now = await api<{ profile: { name: string }; stage: string; purchasesCount: number }>(
      '/v1/customers/c-1',
    );
    const { events } = await api<{ events: { occurredAt: string; globalPosition: string }[] }>(
      '/v1/customers/c-1/events?limit=1000',
    );
    await open('#/customer?id=c-1', '#customer-stage');
    await page.locator('#customer-timeline').waitFor();
    expect(await text('#customer-name')).toBe(now.profile.name);
    expect(await text('#customer-stage')).toBe(now.stage);
    expect(await count('#customer-timeline li')).toBe(events.length);
    expect(await count('#customer-timeline li[data-known=false]')).toBe(0);
    await shoot('customer');

    // As of a day after the first purchase: the control goes into the address and the file is refolded.
    const asOf = new Date(Date.parse(events[1].occurredAt) + 86_400_000).toISOString().replace('.000Z', 'Z');
    const then = await api<{ stage: string; purchasesCount: number; streamRevision: number }>(
      `/v1/customers/c-1?asOf=${asOf}`,
    );
    expect(then.purchasesCount).toBeLessThan(now.purchasesCount);
    await page.fill('#ctl-asOf', asOf);
    await page.click('.controls button[type=submit]');
    await page.locator('.asof-note').waitFor();
    await page.locator('#customer-timeline').waitFor();
    expect(await text('#asof-note')).toContain(asOf);
    expect(await text('#customer-stage')).toBe(then.stage);
    expect(await text('.stats')).toContain(`Purchases\n${then.purchasesCount}`);
    expect(await count('#customer-timeline li[data-known=true]')).toBe(then.streamRevision + 1);
    await shoot('customer-as-of');

    // "as of this" on the first event: the customer as just acquired.
    await page.locator('#customer-timeline li').first().getByRole('button').click();
    await page.locator('#asof-note', { hasText: 'global position' }).waitFor();
    expect(await text('#customer-stage')).toBe('acquired');
    expect(await count('#customer-timeline li[data-known=true]')).toBe(1);

    // An unknown customer: the API's answer, said plainly.
    await open('#/customer?id=nobody-here', '[data-state=error]');
    expect(await text('[data-state=error]')).toContain('No customer nobody-here');
  });

  it('charts the RFM segments: a bar per segment and the figures of the API', async () => {
    const rfm = await api<{ customers: number; segments: { segment: string; customers: number }[] }>(
      '/v1/analytics/rfm?currency=EUR&cutoff=2026-01-01',
    );
    await open('#/rfm?currency=EUR&cutoff=2026-01-01', '#rfm-table');
    expect(await count('#rfm-table tbody tr')).toBe(rfm.segments.length);
    const firstRow = (await page.locator('#rfm-table tbody tr').first().innerText()).split('\t');
    expect(firstRow.slice(0, 2)).toEqual([rfm.segments[0].segment, String(rfm.segments[0].customers)]);
    expect(await text('.stats')).toContain(`Buyers\n${rfm.customers}`);
    // Two charts (customers, revenue), a bar for each segment, axes that say their unit.
    expect(await count('svg.chart .mark.bar')).toBe(2 * rfm.segments.length);
    const titles = await svgTexts('svg.chart .axis-title');
    expect(titles).toEqual(['Customers', 'Revenue (EUR)']);
    const labels = await svgTexts('svg.chart .category');
    expect(labels.slice(0, rfm.segments.length)).toEqual(rfm.segments.map((s) => s.segment));
    await shoot('rfm');
  });

  it('draws the cohort retention heat map: a cell per cohort and observable month', async () => {
    const { cohorts } = await api<{ cohorts: { cohortMonth: string; retentionRate: number[] }[] }>(
      '/v1/analytics/cohorts?currency=EUR&cutoff=2026-01-01',
    );
    await open('#/cohorts?currency=EUR&cutoff=2026-01-01', 'svg.heatmap');
    const cells = cohorts.reduce((n, c) => n + c.retentionRate.length, 0);
    expect(await count('svg.heatmap rect.mark.cell')).toBe(cells);
    expect(await svgTexts('svg.heatmap .axis-title')).toEqual([
      'Months since acquisition',
      'Cohort (customers)',
    ]);
    expect(await svgText('svg.heatmap .axis-y text')).toContain(cohorts[0].cohortMonth.slice(0, 7));
    const first = cohorts[0].retentionRate[0];
    expect(await page.locator('svg.heatmap rect.mark.cell title').first().textContent()).toContain(
      `${(first * 100).toFixed(1)}%`,
    );
    await shoot('cohorts');
  });

  it('plots the CLV holdout: predicted against actual by calibration frequency', async () => {
    const query = 'currency=EUR&cutoff=2024-12-31&holdoutEnd=2025-12-31';
    const { report } = await api<{ report: { bins: { label: string }[]; actualTotal: number } }>(
      `/v1/analytics/predictive-ltv/holdout?${query}`,
    );
    await open(`#/clv?${query}`, '#holdout-table');
    expect(report.bins.length).toBeGreaterThan(2);
    // Two lines, a point per bin on each.
    expect(await count('svg.chart g[data-series=Actual] circle.mark')).toBe(report.bins.length);
    expect(await count('svg.chart g[data-series="Predicted (BG/NBD)"] circle.mark')).toBe(report.bins.length);
    expect(await svgTexts('svg.chart .axis-x text')).toEqual(report.bins.map((b) => b.label));
    expect(await svgTexts('svg.chart .axis-title')).toEqual([
      'Purchases per customer in the holdout',
      'Repeat purchases in the calibration period',
    ]);
    expect(await text('.stats')).toContain(`Actual purchases\n${report.actualTotal}`);
    await shoot('clv-holdout');
  });

  it('lays out the portfolio matrix with the customers of each quadrant', async () => {
    const { quadrants } = await api<{ quadrants: { action: string; customers: number }[] }>(
      '/v1/analytics/portfolio?currency=EUR&cutoff=2026-01-01',
    );
    await open('#/portfolio?currency=EUR&cutoff=2026-01-01', 'svg.matrix');
    expect(await count('svg.matrix circle.mark.bubble')).toBe(4);
    const shown = await svgTexts('svg.matrix .quadrant-count');
    expect(shown.map(Number).sort()).toEqual(quadrants.map((q) => q.customers).sort());
    for (const q of quadrants) expect(await svgText('svg.matrix')).toContain(q.action);
    await shoot('portfolio');
  });

  it('draws the lifecycle funnel, and says so when the period holds nobody', async () => {
    const funnel = await api<{ stages: { customers: number }[] }>(
      '/v1/analytics/lifecycle/funnel?from=2023-01-01&to=2025-12-31',
    );
    await open('#/funnel?from=2023-01-01&to=2025-12-31', '#funnel-table');
    expect(await count('svg.chart .mark.bar')).toBe(6);
    const values = await page
      .locator('svg.chart .mark.bar')
      .evaluateAll((bars) => bars.map((b) => b.getAttribute('data-value')));
    expect(values.map(Number)).toEqual(funnel.stages.map((s) => s.customers));
    expect(await text('.stats')).toContain(`Acquired\n${funnel.stages[0].customers}`);
    await shoot('funnel');

    await open('#/funnel?from=2030-01-01&to=2030-12-31', '.state-empty');
    expect(await text('.state-empty')).toContain('Nobody was acquired from 2030-01-01 to 2030-12-31');
    expect(await count('svg.chart')).toBe(0);
  });

  it('charts purchase timing by month, weekday and hour, and shows a refused setting', async () => {
    await open('#/timing?currency=EUR&from=2023-01-01&to=2025-12-31', 'svg.chart');
    await page.locator('svg.chart').nth(0).waitFor();
    expect(await count('svg.chart')).toBe(3);
    const bars = [0, 1, 2].map((i) => page.locator('svg.chart').nth(i).locator('.mark.bar').count());
    expect(await Promise.all(bars)).toEqual([12, 7, 24]);
    expect(await page.locator('svg.chart').nth(1).locator('.axis-x text').allTextContents()).toEqual([
      'Mon',
      'Tue',
      'Wed',
      'Thu',
      'Fri',
      'Sat',
      'Sun',
    ]);
    await shoot('timing');

    await open('#/timing?currency=euro&from=2023-01-01&to=2025-12-31', '[data-state=error]');
    expect(await text('[data-state=error]')).toContain('currency');
  });

  it('tells a key without a scope that a page is not allowed, and serves it the rest', async () => {
    await page.click('#sign-out');
    await signIn(analyst.token);
    expect(
      await page
        .locator('.nav-link.locked')
        .evaluateAll((links) => links.map((l) => l.getAttribute('data-page'))),
    ).toEqual(['pipeline', 'customer']);

    await open('#/pipeline', '[data-state=forbidden]');
    expect(await text('[data-state=forbidden]')).toContain('This API key lacks the scope admin.');
    expect(await count('#pipeline-stages')).toBe(0);
    await shoot('not-allowed');
    await open('#/customer?id=c-1', '[data-state=forbidden]');
    expect(await text('[data-state=forbidden]')).toContain('customers:read');

    await open('#/funnel?from=2023-01-01&to=2025-12-31', '#funnel-table');
    expect(await count('svg.chart .mark.bar')).toBe(6);
  });

  it('serves its files publicly under a strict Content-Security-Policy, and nothing else under /console', async () => {
    const res = await fetch(`${base}/console/app.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect((await fetch(`${base}/console/package.json`)).status).toBe(404);
    expect((await fetch(`${base}/console/%2e%2e/package.json`)).status).toBe(404);
    expect([404, 405]).toContain((await fetch(`${base}/console/app.js`, { method: 'POST' })).status);
  });
});
