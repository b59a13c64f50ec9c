import { keysTableSql, sqliteChunkSource } from './sqlite-store.source';

const FILES = { eventsFile: '/data/events.sqlite', keysFile: "/data/it's/keys.sqlite" };

/** The (from, to] ranges the scans of a chunk read, in order, once per part. */
function scannedRanges(sql: string): Array<[number, number]> {
  return [...sql.matchAll(/global_position > (\d+) AND global_position <= (\d+)/g)].map(([, a, b]) => [
    Number(a),
    Number(b),
  ]);
}

describe('sqliteChunkSource', () => {
  it.each([
    [0, 10, 1],
    [0, 10, 3],
    [7, 8, 2],
    [100, 197, 2],
    [5, 9, 8],
  ])('reads (%i, %i] with %i readers as consecutive sub-ranges, each once per part', (from, to, readers) => {
    const ranges = scannedRanges(sqliteChunkSource(FILES, BigInt(from), BigInt(to), readers, 'db.keys'));
    const distinct = ranges.filter((_, i) => i % 2 === 0);
    expect(ranges).toEqual(distinct.flatMap((range) => [range, range]));
    expect(distinct[0][0]).toBe(from);
    expect(distinct[distinct.length - 1][1]).toBe(to);
    distinct.forEach(([a, b], i) => {
      expect(b).toBeGreaterThan(a);
      if (i > 0) expect(a).toBe(distinct[i - 1][1]);
    });
    expect(distinct.length).toBeLessThanOrEqual(Math.max(1, readers));
  });

  it('looks the sealed events up in the keys table, never in keys.sqlite', () => {
    const sql = sqliteChunkSource(FILES, 0n, 10n, 2, 'db.keys');
    expect(sql).toContain("joinGet('db.keys', 'key'");
    expect(sql).not.toContain('keys.sqlite');
  });
});

describe('keysTableSql', () => {
  it('keeps the keys in memory only, leaves destroyed ones out and quotes the path', () => {
    const [drop, create, load] = keysTableSql('db.keys', FILES);
    expect(drop).toBe('DROP TABLE IF EXISTS db.keys SYNC');
    expect(create).toContain('persistent = 0');
    expect(load).toContain("sqlite('/data/it\\'s/keys.sqlite', 'data_keys') WHERE key IS NOT NULL");
  });
});
