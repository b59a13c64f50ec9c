import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';

/** One static file of the console, read once at boot: the console is a handful of small files. */
export interface ConsoleAsset {
  readonly body: Buffer;
  readonly contentType: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The file that marks the console's folder. */
const ENTRY = 'index.html';

/**
 * `libs/http-api/console` of the repository: the first ancestor of this file (source or dist) or of the
 * working directory that has one, so `npm start` (dist/) and the Docker image (which copies the folder
 * beside dist/) find the same assets as the tests running from source.
 */
export function defaultConsoleDir(): string | undefined {
  for (const start of [__dirname, process.cwd()]) {
    for (let dir = resolve(start); ; dir = dirname(dir)) {
      const candidate = join(dir, 'libs', 'http-api', 'console');
      if (existsSync(join(candidate, ENTRY))) return candidate;
      if (dirname(dir) === dir) break;
    }
  }
  return undefined;
}

/**
 * The console's files by request path (`/app.js`), plus `/` for the page itself. Only files of a known type
 * directly in the folder are served: nothing else on disk can be reached through the console's prefix.
 */
export function loadConsoleAssets(dir: string): Map<string, ConsoleAsset> {
  const assets = new Map<string, ConsoleAsset>();
  for (const name of readdirSync(dir)) {
    const contentType = CONTENT_TYPES[extname(name)];
    if (contentType === undefined) continue;
    assets.set(`/${name}`, { body: readFileSync(join(dir, name)), contentType });
  }
  const entry = assets.get(`/${ENTRY}`);
  if (entry) assets.set('/', entry);
  return assets;
}
