import type { ClickHouseClientConfigOptions } from '@clickhouse/client';
import { createChdbConnection, type ChdbConnection } from 'chdb/connection';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

/** The connection type `createClient({ connection })` takes. */
export type InjectedConnection = NonNullable<ClickHouseClientConfigOptions['connection']>;

/**
 * The parameter type chdb's connection declares for one method. chdb types its connection against its own copy
 * of `@clickhouse/client-common`, whose `ClickHouseSettings` is a different (patch-level) declaration from the
 * one `@clickhouse/client` bundles: structurally the same objects, nominally distinct types. The cast is
 * limited to the request parameters, which the client builds and chdb only reads.
 */
type ChdbParams<K extends 'ping' | 'query' | 'insert' | 'command' | 'exec'> = Parameters<ChdbConnection[K]>[0];

const REGISTRY = Symbol.for('crm.analytics.embedded-clickhouse');

interface Registry {
  /** The one data directory this process has bound (libchdb allows one per process). */
  path?: string;
  connection?: ChdbConnection;
}

function registry(): Registry {
  const holder = globalThis as typeof globalThis & { [REGISTRY]?: Registry };
  holder[REGISTRY] ??= {};
  return holder[REGISTRY];
}

/**
 * The embedded ClickHouse engine (chDB) as a `@clickhouse/client` connection. This file is the only place
 * that imports `chdb`: everything else talks to `@clickhouse/client`, whatever the engine.
 *
 * libchdb binds one data directory per process, and closing a connection while one of its queries runs aborts
 * the engine for the whole process. So the connection is a process-wide singleton per path, kept on
 * `globalThis`, and the clients get a view of it whose `close()` does nothing: an API and a worker module in
 * the same process (or two test files in one Jest worker) share it, and it lives until the process exits.
 * A Jest test file runs in its own realm (own `globalThis`), so each file opens its own connection to the
 * same path; libchdb lets connections to one path coexist.
 */
export function embeddedConnection(dataDir: string): InjectedConnection {
  const path = resolve(dataDir);
  const state = registry();
  if (state.path !== undefined && state.path !== path) {
    throw new Error(
      `The embedded ClickHouse engine is already bound to ${state.path} in this process; ` +
        `it cannot also open ${path} (one data directory per process)`,
    );
  }
  if (!state.connection) {
    mkdirSync(path, { recursive: true });
    state.connection = createChdbConnection({ path });
    state.path = path;
  }
  const shared = state.connection;
  return {
    ping: (params) => shared.ping(params as ChdbParams<'ping'>),
    query: (params) => shared.query(params as ChdbParams<'query'>),
    insert: (params) => shared.insert(params as ChdbParams<'insert'>),
    command: (params) => shared.command(params as ChdbParams<'command'>),
    exec: (params) => shared.exec(params as ChdbParams<'exec'>),
    // Deliberately a no-op: see above. The engine goes away with the process.
    close: async () => undefined,
  };
}

/** Where the embedded engine of this process keeps its data, if it was opened. */
export function embeddedDataPath(): string | undefined {
  return registry().path;
}
