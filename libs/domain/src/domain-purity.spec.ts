import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The domain is plain TypeScript: relative imports and Node's crypto, nothing from a framework or driver. */
describe('libs/domain purity', () => {
  const sources = readdirSync(__dirname).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));

  it('has sources to check', () => expect(sources.length).toBeGreaterThan(3));

  it.each(sources)('%s imports nothing but the domain and node:crypto', (file) => {
    const text = readFileSync(join(__dirname, file), 'utf8');
    const statics = [...text.matchAll(/^\s*(?:import|export)\b[^;]*?from\s*['"]([^'"]+)['"]/gm)];
    const dynamics = [...text.matchAll(/\b(?:require|import)\(\s*['"]([^'"]+)['"]/g)];
    const imports = [...statics, ...dynamics].map((m) => m[1]);
    expect(imports.filter((i) => !i.startsWith('./') && i !== 'node:crypto')).toEqual([]);
  });
});
