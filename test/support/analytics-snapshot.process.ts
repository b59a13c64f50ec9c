import type { SnapshotParams } from '@crm/analytics/testing';
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';

const DIST_ANALYTICS = join(__dirname, '../../dist/libs/analytics/src');

export type AnalyticsSnapshot = Record<string, unknown[]>;

/**
 * analyticsSnapshot (libs/analytics/src/testing) of the embedded engine under `dataDir`, taken in a process of
 * its own: libchdb binds one engine directory per process, so a suite comparing two data directories cannot
 * open both itself. The directory's owner (`crm serve`, `crm replay`) must have exited. Uses the build.
 */
export function snapshotEmbeddedAnalytics(
  dataDir: string,
  params: SnapshotParams,
): Promise<AnalyticsSnapshot> {
  const out = join(dataDir, `analytics-snapshot-${process.pid}-${Date.now()}.json`);
  const script = `
    const { createAnalyticsClient } = require(${JSON.stringify(join(DIST_ANALYTICS, 'index.js'))});
    const { analyticsSnapshot } = require(${JSON.stringify(join(DIST_ANALYTICS, 'testing/index.js'))});
    const { writeFileSync } = require('node:fs');
    const ch = createAnalyticsClient({ dataDir: ${JSON.stringify(dataDir)} });
    analyticsSnapshot(ch, ${JSON.stringify(params)})
      .then((snapshot) => { writeFileSync(${JSON.stringify(out)}, JSON.stringify(snapshot)); process.exit(0); })
      .catch((error) => { console.error(error); process.exit(1); });`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { maxBuffer: 16 << 20 }, (error, _stdout, stderr) => {
      if (error) return reject(new Error(`snapshot of ${dataDir} failed: ${stderr || error.message}`));
      try {
        resolve(JSON.parse(readFileSync(out, 'utf8')) as AnalyticsSnapshot);
      } catch (parseError) {
        reject(parseError as Error);
      } finally {
        rmSync(out, { force: true });
      }
    });
  });
}

/**
 * Where two snapshots differ, one line per table or view: row counts and the first row of each side that the
 * other lacks. Empty when equal. (A whole-snapshot toEqual would print a diff of every row.)
 */
export function snapshotDifferences(actual: AnalyticsSnapshot, expected: AnalyticsSnapshot): string[] {
  const names = [...new Set([...Object.keys(actual), ...Object.keys(expected)])].sort();
  const differences: string[] = [];
  for (const name of names) {
    const a = actual[name];
    const e = expected[name];
    if (a === undefined || e === undefined) {
      differences.push(`${name}: only in ${a === undefined ? 'the expected' : 'the actual'} snapshot`);
      continue;
    }
    if (isDeepStrictEqual(a, e)) continue;
    const eKeys = new Set(e.map((row) => JSON.stringify(row)));
    const aKeys = new Set(a.map((row) => JSON.stringify(row)));
    const extra = a.find((row) => !eKeys.has(JSON.stringify(row)));
    const missing = e.find((row) => !aKeys.has(JSON.stringify(row)));
    differences.push(
      `${name}: ${a.length} rows vs ${e.length} expected; ` +
        `first unexpected ${JSON.stringify(extra)}; first missing ${JSON.stringify(missing)}`,
    );
  }
  return differences;
}
