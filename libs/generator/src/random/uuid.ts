import type { SeededRandom } from './seeded-random';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

const hex32 = (x: number): string =>
  HEX[x >>> 24] + HEX[(x >>> 16) & 0xff] + HEX[(x >>> 8) & 0xff] + HEX[x & 0xff];

/** A version 4 UUID (lower case) whose 122 random bits come from the seeded stream: reproducible ids. */
export function seededUuid(random: SeededRandom): string {
  const a = random.uint32();
  const b = ((random.uint32() & 0xffff0fff) | 0x00004000) >>> 0;
  const c = ((random.uint32() & 0x3fffffff) | 0x80000000) >>> 0;
  const d = random.uint32();
  const hb = hex32(b);
  const hc = hex32(c);
  return `${hex32(a)}-${hb.slice(0, 4)}-${hb.slice(4)}-${hc.slice(0, 4)}-${hc.slice(4)}${hex32(d)}`;
}
