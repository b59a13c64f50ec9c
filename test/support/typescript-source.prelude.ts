import { resolve } from 'node:path';

const REPO_ROOT = resolve(__dirname, '../..');

/**
 * The first lines of a plain JavaScript script that a test starts with `node` (a child process or a worker
 * thread) to run the repository's TypeScript sources without a build: `.ts` files compiled on require by
 * @swc/core (a dev dependency) with jest's own swc options (read from jest.config.js), `@crm/<lib>` resolved as
 * jest's moduleNameMapper does, and reflect-metadata loaded for Nest's decorators. One definition for every
 * such test.
 */
export function typescriptSourcePrelude(): string {
  return `
const Module = require('node:module');
const path = require('node:path');
const swc = require(${JSON.stringify(require.resolve('@swc/core'))});
const ROOT = ${JSON.stringify(REPO_ROOT)};
const [, swcOptions] = require(path.join(ROOT, 'jest.config.js')).projects[0].transform['^.+\\\\.ts$'];
require.extensions['.ts'] = (module, filename) => {
  const { code } = swc.transformFileSync(filename, { swcrc: false, ...swcOptions });
  module._compile(code, filename);
};
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const alias = /^@crm\\/([a-z-]+)(?:\\/(.*))?$/.exec(request);
  const target = alias ? path.join(ROOT, 'libs', alias[1], 'src', alias[2] || '') : request;
  return resolveFilename.call(this, target, ...rest);
};
require(${JSON.stringify(require.resolve('reflect-metadata'))});
`;
}
