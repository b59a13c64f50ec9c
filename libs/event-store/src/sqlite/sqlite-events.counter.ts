import type Database from 'better-sqlite3';
import type { CountAllOptions, EventsAfter } from '../event-store.port';

const PREFIX_FILTER = '(@prefix IS NULL OR substr(stream_id, 1, length(@prefix)) = @prefix)';

/**
 * countAll for the SQLite store: a count over the rowid (global position) range after the position, and one
 * row's recorded_at for the first of them. Neither reads the events' data, so the cost is a range scan of the
 * table's keys and stream ids, whatever the size of the events; the store's own statements are untouched.
 */
export class SqliteEventsCounter {
  private readonly count: Database.Statement<[Record<string, unknown>], bigint>;
  private readonly first: Database.Statement<[Record<string, unknown>], string | undefined>;

  constructor(db: Database.Database) {
    this.count = db
      .prepare<[Record<string, unknown>], bigint>(
        `SELECT count(*) FROM events WHERE global_position > @after AND ${PREFIX_FILTER}`,
      )
      .pluck()
      .safeIntegers();
    this.first = db
      .prepare<[Record<string, unknown>], string | undefined>(
        `SELECT recorded_at FROM events WHERE global_position > @after AND ${PREFIX_FILTER}
         ORDER BY global_position LIMIT 1`,
      )
      .pluck()
      .safeIntegers();
  }

  /** Both reads in one call: better-sqlite3 is synchronous, so no append can land between them. */
  countAfter(options: CountAllOptions): EventsAfter {
    const params = { after: options.after ?? 0n, prefix: options.streamPrefix ?? null };
    const count = Number(this.count.get(params) ?? 0n);
    return {
      count,
      atLeast: false,
      firstRecordedAt: count === 0 ? null : (this.first.get(params) ?? null),
    };
  }
}
