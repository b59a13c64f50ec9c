import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

interface LockedPackage {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** Where npm would find `name` from the package installed at `from`: its own node_modules, then up. */
function resolveFrom(
  packages: Record<string, LockedPackage>,
  from: string,
  name: string,
): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = `${dir ? `${dir}/` : ''}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!dir) return undefined;
    const up = dir.lastIndexOf('/node_modules/');
    dir = up < 0 ? '' : dir.slice(0, up);
  }
}

// `npm ci` refuses a lock file in which a dependency, optional ones for other platforms included, has no
// entry ("Missing: @chdb/lib-darwin-arm64 from lock file"); CI and users then fall back to `npm install`.
describe('package-lock.json', () => {
  const lock = JSON.parse(readFileSync(resolve(__dirname, '..', 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockedPackage>;
  };

  it('has an entry for every dependency of every locked package, so `npm ci` accepts it', () => {
    const missing: string[] = [];
    for (const [path, pkg] of Object.entries(lock.packages)) {
      for (const name of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
        if (!resolveFrom(lock.packages, path, name)) missing.push(`${path || '(root)'} -> ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
