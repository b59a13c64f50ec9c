import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');

/**
 * Lints each probe file with the project's own eslint.config.mjs and returns its no-restricted-imports
 * messages. ESLint runs in a child process: its config is an ES module, which Jest's VM cannot import.
 */
function restrictedImports(probes: Record<string, string>): Record<string, string[]> {
  const script = `
    const { ESLint } = require('eslint');
    const probes = JSON.parse(process.argv[1]);
    (async () => {
      const eslint = new ESLint({ cwd: process.cwd() });
      const out = {};
      for (const [filePath, source] of Object.entries(probes)) {
        const [result] = await eslint.lintText(source + '\\nexport const probe = imported;\\n', { filePath });
        out[filePath] = result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
      }
      process.stdout.write(JSON.stringify(out));
    })();`;
  return JSON.parse(
    execFileSync(process.execPath, ['-e', script, JSON.stringify(probes)], { cwd: ROOT }).toString(),
  );
}

// The lint rule behind "apps import libraries, never another app; a library only through its entry point".
describe('import boundaries (eslint.config.mjs)', () => {
  const messages = restrictedImports({
    'apps/cli/src/commands/app-to-app.ts': "import { imported } from '../../../worker/src/main';",
    'apps/api/src/app-to-app-by-root.ts': "import { imported } from '../../../apps/cli/src/cli';",
    'apps/api/src/deep-library-path.ts': "import { imported } from '@crm/event-store/event-store.port';",
    'apps/worker/src/relative-library-path.ts': "import { imported } from '../../../libs/domain/src';",
    'apps/api/src/entry-point.ts': "import { imported } from '@crm/http-api';",
    'test/e2e/test-support.e2e-spec.ts': "import { imported } from '@crm/read-model/testing';",
    'apps/cli/src/commands/within-app.ts': "import { imported } from '../cli';",
  });

  it('refuses an app importing from another app', () => {
    expect(messages['apps/cli/src/commands/app-to-app.ts']).toEqual([
      expect.stringContaining('apps/cli must not import from another app'),
    ]);
    expect(messages['apps/api/src/app-to-app-by-root.ts']).toEqual([
      expect.stringContaining('apps/api must not import from another app'),
    ]);
  });

  it('refuses a path into a library instead of its entry point', () => {
    expect(messages['apps/api/src/deep-library-path.ts']).toEqual([
      expect.stringContaining('through its entry point'),
    ]);
    expect(messages['apps/worker/src/relative-library-path.ts']).toEqual([
      expect.stringContaining('not by a relative path'),
    ]);
  });

  it('accepts entry points, test-support entry points and imports within an app', () => {
    expect(messages['apps/api/src/entry-point.ts']).toEqual([]);
    expect(messages['test/e2e/test-support.e2e-spec.ts']).toEqual([]);
    expect(messages['apps/cli/src/commands/within-app.ts']).toEqual([]);
  });
});
