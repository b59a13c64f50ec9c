import { existsSync, readFileSync } from 'node:fs';

/**
 * Test support: counts the transactions committed to a SQLite WAL file by reading the file itself, so a
 * test can check what reached the WAL independently of the store's own bookkeeping.
 *
 * The WAL is a 32-byte header (page size at offset 8, salts at 16 and 20) followed by frames of a 24-byte
 * header and one page. A frame whose "database size after commit" field (offset 4) is non-zero ends a
 * transaction. Only frames carrying the header's salts belong to the current WAL generation (after a
 * checkpoint restarts the WAL, older frames stay in the file with stale salts).
 */
export function committedWalTransactions(databaseFile: string): number {
  const walFile = `${databaseFile}-wal`;
  if (!existsSync(walFile)) return 0;
  const wal = readFileSync(walFile);
  if (wal.length < 32) return 0;
  const pageSize = wal.readUInt32BE(8);
  const salt1 = wal.readUInt32BE(16);
  const salt2 = wal.readUInt32BE(20);
  let commits = 0;
  for (let offset = 32; offset + 24 + pageSize <= wal.length; offset += 24 + pageSize) {
    if (wal.readUInt32BE(offset + 8) !== salt1 || wal.readUInt32BE(offset + 12) !== salt2) break;
    if (wal.readUInt32BE(offset + 4) !== 0) commits += 1;
  }
  return commits;
}
