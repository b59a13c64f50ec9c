import js from '@eslint/js';
import { readdirSync } from 'node:fs';
import tseslint from 'typescript-eslint';

const apps = readdirSync(new URL('./apps', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

// Libraries are reached through their entry point (`@crm/name`), or their test-support entry point
// (`@crm/name/testing`) from specs and test support; never by a path into their files.
const libraryEntryPoints = [
  {
    regex: '^@crm/[a-z-]+/(?!testing$).+',
    message: 'Import a library through its entry point (@crm/name, or @crm/name/testing for test support).',
  },
  { regex: '^(\\.\\./)+libs/', message: 'Import a library through @crm/name, not by a relative path.' },
];

// What two apps share lives in a library: an app never imports from another app.
const otherApps = (app) => ({
  regex: `^(\\.\\./)+(apps/)?(${apps.filter((other) => other !== app).join('|')})/`,
  message: `apps/${app} must not import from another app: move what they share into a library.`,
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'data/**', 'infra/**', 'bin/**', '*.js', '*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'off',
      'no-restricted-imports': ['error', { patterns: libraryEntryPoints }],
    },
  },
  ...apps.map((app) => ({
    files: [`apps/${app}/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns: [...libraryEntryPoints, otherApps(app)] }] },
  })),
  {
    // The domain is pure: no framework or driver may leak into it.
    files: ['libs/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...libraryEntryPoints,
            {
              group: [
                '@nestjs/*', 'typeorm', 'class-validator', 'class-transformer', 'kafkajs', '@eventstore/*',
                '@clickhouse/*', 'better-sqlite3', 'pg', 'chdb', '@crm/*',
              ],
              message: 'libs/domain is pure TypeScript: no framework, driver or other library.',
            },
          ],
        },
      ],
    },
  },
);
