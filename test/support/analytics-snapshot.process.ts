import type { SnapshotParams } from '@crm/analytics/testing';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const DIST_ANALYTICS = join(__dirname, '../../dist/libs/analytics/src');

/** One table or view of a snapshot: its row count and a digest of its canonical rows. */
export interface SnapshotEntry {
  readonly rows: number;
  readonly sha256: string;
}

/** A snapshot taken in a child process: digests here, the rows in `dir` (one JSON file per table or view). */
export interface StoredSnapshot {
  readonly dir: string;
  readonly entries: Readonly<Record<string, SnapshotEntry>>;
}

/**
 * analyticsSnapshot (libs/analytics/src/testing) of the embedded engine under `dataDir`, taken in a process of
 * its own: libchdb binds one engine directory per process, so a suite comparing two data directories cannot
 * open both itself. The directory's owner (`crm serve`, `crm replay`) must have exited. Uses the build.
 * Snapshots of 100,000 events run to hundreds of megabytes, so the rows stay in files under `outDir` and
 * only their digests come back; snapshotDifferences reads the rows of the tables whose digests differ.
 */
export function snapshotEmbeddedAnalytics(
  dataDir: string,
  params: SnapshotParams,
  outDir: string,
): Promise<StoredSnapshot> {
  mkdirSync(outDir, { recursive: true });
  const script = `
    const { createAnalyticsClient } = require(${JSON.stringify(join(DIST_ANALYTICS, 'index.js'))});
    const { analyticsSnapshot } = require(${JSON.stringify(join(DIST_ANALYTICS, 'testing/index.js'))});
    const { createHash } = require('node:crypto');
    const { writeFileSync } = require('node:fs');
    const { join } = require('node:path');
    const ch = createAnalyticsClient({ dataDir: ${JSON.stringify(dataDir)} });
    analyticsSnapshot(ch, ${JSON.stringify(params)})
      .then((snapshot) => {
        const entries = {};
        for (const [name, rows] of Object.entries(snapshot)) {
          const text = JSON.stringify(rows);
          writeFileSync(join(${JSON.stringify(outDir)}, name + '.json'), text);
          entries[name] = { rows: rows.length, sha256: createHash('sha256').update(text).digest('hex') };
        }
        process.stdout.write(JSON.stringify(entries));
        process.exit(0);
      })
      .catch((error) => { console.error(error); process.exit(1); });`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`snapshot of ${dataDir} failed: ${stderr || error.message}`));
      resolve({ dir: outDir, entries: JSON.parse(stdout) as Record<string, SnapshotEntry> });
    });
  });
}

/**
 * Where two snapshots differ, one line per table or view: row counts and the first row of each side that the
 * other lacks. Empty when equal. (A whole-snapshot toEqual would print a diff of every row.)
 */
export function snapshotDifferences(actual: StoredSnapshot, expected: StoredSnapshot): string[] {
  const names = [...new Set([...Object.keys(actual.entries), ...Object.keys(expected.entries)])].sort();
  const differences: string[] = [];
  for (const name of names) {
    const a = actual.entries[name];
    const e = expected.entries[name];
    if (a === undefined || e === undefined) {
      differences.push(`${name}: only in ${a === undefined ? 'the expected' : 'the actual'} snapshot`);
      continue;
    }
    if (a.sha256 === e.sha256) continue;
    const rows = (snapshot: StoredSnapshot) =>
      (JSON.parse(readFileSync(join(snapshot.dir, `${name}.json`), 'utf8')) as unknown[]).map((row) =>
        JSON.stringify(row),
      );
    const actualRows = rows(actual);
    const expectedRows = rows(expected);
    const inExpected = new Set(expectedRows);
    const inActual = new Set(actualRows);
    differences.push(
      `${name}: ${a.rows} rows vs ${e.rows} expected; ` +
        `first unexpected ${actualRows.find((row) => !inExpected.has(row))}; ` +
        `first missing ${expectedRows.find((row) => !inActual.has(row))}`,
    );
  }
  return differences;
}
