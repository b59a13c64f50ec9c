import { STREAM_DOES_NOT_EXIST } from '@event-driven-io/emmett';
import { getSQLiteEventStore, type SQLiteEventStore } from '@event-driven-io/emmett-sqlite';
import sqlite3 from 'sqlite3';
import type { AppendCall, AppendOne } from './append-workload';

/**
 * Emmett's SQLite event store (`@event-driven-io/emmett-sqlite`, on `sqlite3`), for the side-by-side
 * comparison. It opens a connection per operation and sets only `journal_mode = WAL`, so the PRAGMA
 * synchronous of the comparison is set where its connections are made: `sqlite3.Database` is swapped, for
 * the run only, for a subclass that sets the pragma (and the busy timeout our store uses) first and
 * records the value SQLite reports, so the run can show that every connection had it.
 *
 * One store instance per caller (the scenario runs it with one caller: see durable-append.scenario.ts).
 */
export interface EmmettRun {
  /** One store per caller. */
  readonly stores: SQLiteEventStore[];
  /** The append of the workload, for the store of one caller. */
  appendWith(store: SQLiteEventStore): AppendOne<bigint>;
  /** PRAGMA synchronous as read back on each connection opened so far (0 OFF, 1 NORMAL, 2 FULL). */
  readonly observedSynchronous: number[];
  /** Puts sqlite3.Database back. */
  restore(): void;
}

const BUSY_TIMEOUT_MS = 5_000;

export function openEmmettRun(file: string, callers: number, synchronous: 'NORMAL' | 'FULL'): EmmettRun {
  const observedSynchronous: number[] = [];
  const module = sqlite3 as unknown as { Database: typeof sqlite3.Database };
  const Original = module.Database;
  class Configured extends Original {
    constructor(filename: string, mode?: number) {
      if (mode === undefined) super(filename);
      else super(filename, mode);
      // Serialized mode: statements run in the order they are queued (in the default parallel mode the
      // pragma could run after Emmett's BEGIN, where SQLite refuses it). Emmett awaits each statement of
      // an append before the next, so this costs it nothing.
      this.serialize();
      for (const pragma of [`busy_timeout = ${BUSY_TIMEOUT_MS}`, `synchronous = ${synchronous}`]) {
        this.run(`PRAGMA ${pragma}`, (error: Error | null) => {
          if (error) observedSynchronous.push(-1);
        });
      }
      this.get('PRAGMA synchronous', (error: Error | null, row?: { synchronous: number }) => {
        observedSynchronous.push(error || !row ? -1 : row.synchronous);
      });
    }
  }
  module.Database = Configured as unknown as typeof sqlite3.Database;
  const stores = Array.from({ length: callers }, () => getSQLiteEventStore({ fileName: file }));
  return {
    stores,
    observedSynchronous,
    appendWith:
      (store) =>
      async (call: AppendCall, expected: bigint | undefined): Promise<bigint> => {
        const result = await store.appendToStream(
          call.streamId,
          call.events.map((event) => ({ type: event.type, data: event.data, metadata: event.metadata })),
          { expectedStreamVersion: expected ?? STREAM_DOES_NOT_EXIST },
        );
        return result.nextExpectedStreamVersion;
      },
    restore: () => {
      module.Database = Original;
    },
  };
}
