import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem, release, platform, arch } from 'node:os';
import { join } from 'node:path';

/** The machine and software a result was measured on, so results from different machines are not confused. */
export function machineInfo(repoRoot: string): Record<string, unknown> {
  const cpuList = cpus();
  return {
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model ?? 'unknown',
    memoryBytes: totalmem(),
    platform: `${platform()} ${release()} ${arch()}`,
    node: process.version,
    versions: {
      app: packageVersion(repoRoot, '.'),
      // A build copied elsewhere (a private dist) has no .git: then the working directory's repository.
      gitCommit: gitCommit(repoRoot) ?? gitCommit(process.cwd()) ?? 'unknown',
      'better-sqlite3': packageVersion(repoRoot, 'node_modules/better-sqlite3'),
      '@nestjs/core': packageVersion(repoRoot, 'node_modules/@nestjs/core'),
      '@nestjs/platform-express': packageVersion(repoRoot, 'node_modules/@nestjs/platform-express'),
      'class-validator': packageVersion(repoRoot, 'node_modules/class-validator'),
      v8: process.versions.v8,
      undici: process.versions.undici,
    },
  };
}

function packageVersion(root: string, dir: string): string {
  try {
    return (JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

const QUIET: ['ignore', 'pipe', 'ignore'] = ['ignore', 'pipe', 'ignore'];

function gitCommit(root: string): string | undefined {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: root,
      encoding: 'utf8',
      stdio: QUIET,
    }).trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8', stdio: QUIET }).trim()
        .length > 0;
    return dirty ? `${head}+uncommitted` : head;
  } catch {
    return undefined;
  }
}
