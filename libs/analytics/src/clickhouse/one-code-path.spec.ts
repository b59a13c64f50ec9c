import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '../../../..');

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Files whose code (comments removed) matches `pattern`, as repository paths. */
function filesMatching(pattern: RegExp, files: readonly string[]): string[] {
  const code = (file: string) =>
    readFileSync(join(ROOT, file), 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '');
  return files.filter((file) => pattern.test(code(file))).map((f) => relative('.', f));
}

/**
 * "Only the connection differs": the server and the embedded engine must run the same SQL through the same
 * code. These checks fail as soon as some code reaches for the engine directly or branches on which one it has.
 */
describe('one ClickHouse code path', () => {
  const code = [...sources('libs'), ...sources('apps'), ...sources('bench')].filter(
    (f) => !/\.(int-)?spec\.ts$/.test(f),
  );

  it('has exactly one module that knows chdb', () => {
    expect(filesMatching(/from 'chdb|import\('chdb|require\('chdb/, code)).toEqual([
      'libs/analytics/src/clickhouse/embedded-connection.ts',
    ]);
  });

  it('creates ClickHouse clients in one place only', () => {
    expect(filesMatching(/\bcreateClient\(/, code)).toEqual([
      'libs/analytics/src/clickhouse/analytics-client.factory.ts',
    ]);
  });

  it('never chooses SQL or behaviour by engine: the engine name only labels logs and /health', () => {
    expect(
      filesMatching(/\.engine\s*[!=]==?\s*['"]|['"](embedded|server)['"]\s*[!=]==?/, code).sort(),
    ).toEqual(
      [
        'libs/http-api/src/health/adapter-health.indicators.ts',
        'libs/analytics/src/analytics.module.ts',
      ].sort(),
    );
  });
});
