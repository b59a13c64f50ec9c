import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** A numbered SQL file of `infra/clickhouse/`: `0001_events.sql` is version 1, name `events`. */
export interface ClickHouseMigration {
  readonly version: number;
  readonly name: string;
  readonly file: string;
  /** The file's text, `{{database}}` not yet substituted. */
  readonly sql: string;
  /** sha256 of the text (line ends normalised): an applied file must never change. */
  readonly checksum: string;
}

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;
/** Where migration SQL names the target database; the runner substitutes it. */
export const DATABASE_PLACEHOLDER = '{{database}}';

export class MigrationFilesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationFilesError';
  }
}

/**
 * `infra/clickhouse` of the repository: the first ancestor of this file (source or dist) or of the working
 * directory that has one. A deployment that ships only `dist/` must ship that folder beside it.
 */
export function defaultMigrationsDir(): string {
  for (const start of [__dirname, process.cwd()]) {
    for (let dir = resolve(start); ; dir = dirname(dir)) {
      const candidate = join(dir, 'infra', 'clickhouse');
      if (existsSync(join(candidate, '0001_events.sql'))) return candidate;
      if (dirname(dir) === dir) break;
    }
  }
  throw new MigrationFilesError(
    `No infra/clickhouse/0001_events.sql above ${__dirname} or ${process.cwd()}: ship the migrations folder`,
  );
}

export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

/** The migrations of a folder, by version. Unnumbered files are ignored; a version used twice is an error. */
export function loadClickHouseMigrations(dir: string = defaultMigrationsDir()): ClickHouseMigration[] {
  const migrations = readdirSync(dir)
    .map((file) => ({ file, match: FILE_NAME.exec(file) }))
    .filter((f): f is { file: string; match: RegExpExecArray } => f.match !== null)
    .map(({ file, match }) => {
      const sql = readFileSync(join(dir, file), 'utf8');
      return { version: Number(match[1]), name: match[2], file, sql, checksum: migrationChecksum(sql) };
    })
    .sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i].version === migrations[i - 1].version) {
      throw new MigrationFilesError(
        `Two migrations with version ${migrations[i].version}: ${migrations[i - 1].file}, ${migrations[i].file}`,
      );
    }
  }
  return migrations;
}
