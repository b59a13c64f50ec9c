// Three projects so a developer can run one layer at a time:
//   unit         *.spec.ts beside the code, no servers
//   integration  *.int-spec.ts, real servers (skipped with a message when absent)
//   e2e          test/e2e, the whole flow
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  },
];
const moduleNameMapper = {
  '^@crm/([a-z-]+)$': '<rootDir>/libs/$1/src',
  '^@crm/([a-z-]+)/(.*)$': '<rootDir>/libs/$1/src/$2',
};
const common = {
  rootDir: __dirname,
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper,
  testEnvironment: 'node',
};

module.exports = {
  // 30 s per test and hook instead of Jest's 5 s: the embedded ClickHouse engine's first statements and a
  // loaded 2-core CI machine can take seconds. No test measures speed (that is `npm run bench`).
  // It is a global option: Jest ignores testTimeout inside a project (jest-config.spec.ts checks this).
  testTimeout: 30_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts', '<rootDir>/test/*.spec.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/{apps,libs}/**/*.int-spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'] },
  ],
};
