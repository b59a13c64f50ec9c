import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/**
 * Reads a V8 CPU profile (node --cpu-prof) and prints where the time goes: the top functions by self time,
 * by inclusive time (time with everything they called), and self time per package.
 *   node dist/bench/profile-summary.js CPU.<...>.cpuprofile [--top 25] [--match publish]
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export function summarizeProfile(profile: CpuProfile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const packages = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    const node = byId.get(id);
    if (!node) return;
    const key = keyOf(node);
    self.set(key, (self.get(key) ?? 0) + dt);
    packages.set(packageOf(node), (packages.get(packageOf(node)) ?? 0) + dt);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at);
      if (!frame) break;
      const k = keyOf(frame);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
    }
  });
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  return { totalMicros: total, self: sorted(self), inclusive: sorted(inclusive), packages: sorted(packages) };
}

function keyOf(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${shorten(url)}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
}

function shorten(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('node_modules/');
  if (modules >= 0) return path.slice(modules + 'node_modules/'.length);
  const dist = path.indexOf('/dist/');
  return dist >= 0 ? path.slice(dist + 1) : path;
}

function packageOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (!url) return functionName.startsWith('(') ? functionName : `native: ${functionName}`;
  if (url.startsWith('node:')) return 'node internals';
  const path = url.replace(/^file:\/\//, '');
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path.slice(path.lastIndexOf('node_modules/') - 0));
  if (m) return m[1];
  const app = /\/(apps\/[^/]+|libs\/[^/]+|bench)\//.exec(path);
  return app ? app[1] : path;
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '25' }, match: { type: 'string' } },
  });
  const top = Number(values.top);
  for (const file of positionals) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const { totalMicros, self, inclusive, packages } = summarizeProfile(profile);
    const pct = (us: number) =>
      `${((100 * us) / totalMicros).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms`;
    console.log(`\n${file}: ${(totalMicros / 1e6).toFixed(1)} s sampled`);
    console.log('\nself time by package:');
    for (const [name, us] of packages.slice(0, top)) console.log(`  ${pct(us)}  ${name}`);
    console.log('\ntop functions by self time:');
    for (const [name, us] of self.slice(0, top)) console.log(`  ${pct(us)}  ${name}`);
    const filter = values.match ? new RegExp(values.match, 'i') : /(apps|libs)\//;
    console.log(`\ninclusive time, functions matching ${filter}:`);
    for (const [name, us] of inclusive.filter(([k]) => filter.test(k)).slice(0, top))
      console.log(`  ${pct(us)}  ${name}`);
  }
}

if (require.main === module) main();
