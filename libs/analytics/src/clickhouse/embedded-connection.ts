import type { ClickHouseClientConfigOptions } from '@clickhouse/client';
import type { ChdbConnection } from 'chdb/connection';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The connection type `createClient({ connection })` takes. */
export type InjectedConnection = NonNullable<ClickHouseClientConfigOptions['connection']>;

type Method = 'ping' | 'query' | 'insert' | 'command' | 'exec';

/**
 * The parameter type chdb's connection declares for one method. chdb types its connection against its own copy
 * of `@clickhouse/client-common`, whose `ClickHouseSettings` is a different (patch-level) declaration from the
 * one `@clickhouse/client` bundles: structurally the same objects, nominally distinct types. The cast is
 * limited to the request parameters, which the client builds and chdb only reads.
 */
type ChdbParams<K extends Method> = Parameters<ChdbConnection[K]>[0];

/** Errors of the embedded engine's lifecycle (the engine's own query errors come through unchanged). */
export class EmbeddedEngineError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * Another OS process has the data directory open. ClickHouse locks `<path>/status` for as long as an engine
 * runs on it, so the embedded store has one process at a time; processes that must share one store need a
 * ClickHouse server (`CLICKHOUSE_URL`). Retryable: the lock goes with its process.
 */
export class EmbeddedEngineBusyError extends EmbeddedEngineError {
  constructor(
    readonly path: string,
    readonly holderPid: number,
  ) {
    super(
      'analytics.embedded_engine_busy',
      `The embedded ClickHouse engine at ${path} is in use by process ${holderPid} (one process per data ` +
        'directory); set CLICKHOUSE_URL to share a ClickHouse server between processes',
    );
  }
}

/** This process already runs the engine on another directory (libchdb binds one per process). */
export class EmbeddedEnginePathError extends EmbeddedEngineError {
  constructor(bound: string, wanted: string) {
    super(
      'analytics.embedded_engine_path',
      `The embedded ClickHouse engine of this process is bound to ${bound}; it cannot also open ${wanted} ` +
        'until every client of the first one is closed (one data directory per process)',
    );
  }
}

/**
 * This process is not the embedded engine's owner: in the split deployment on one DATA_DIR without
 * CLICKHOUSE_URL the worker owns it (it projects into it), and the API process never opens it, so that a
 * restarted worker never finds the API holding the lock. Not retryable in this process.
 */
export class EmbeddedEngineElsewhereError extends EmbeddedEngineError {
  constructor(readonly path: string) {
    super(
      'analytics.embedded_engine_elsewhere',
      `The embedded ClickHouse engine at ${path} belongs to the worker process in this deployment (one ` +
        'process per data directory): run crm serve, or set CLICKHOUSE_URL to share a ClickHouse server',
    );
  }
}

export class EmbeddedConnectionClosedError extends EmbeddedEngineError {
  constructor() {
    super('analytics.embedded_connection_closed', 'This embedded ClickHouse connection is closed');
  }
}

/** The engine of one data directory, shared by every client of this realm that names that directory. */
interface Engine {
  readonly path: string;
  /** Clients holding the engine. At zero it is closed, so the process may open another directory. */
  refs: number;
  /** Opened on the first statement, not at creation: see `embeddedConnection`. */
  connection?: ChdbConnection;
  opening?: Promise<ChdbConnection>;
  /** Statements running; the engine is closed only once they have finished. */
  inFlight: number;
  readonly idleWaiters: (() => void)[];
}

interface Registry {
  engine?: Engine;
  /** The previous engine's shutdown: a new one waits for it (libchdb must be idle before it rebinds). */
  closing?: Promise<void>;
}

const REGISTRY = Symbol.for('crm.analytics.embedded-clickhouse');

function registry(): Registry {
  const holder = globalThis as typeof globalThis & { [REGISTRY]?: Registry };
  holder[REGISTRY] ??= {};
  return holder[REGISTRY];
}

/**
 * libchdb, loaded on first use: it adds some 160 MB to the process, which a process that never opens the
 * embedded engine (one with CLICKHOUSE_URL, or one waiting for another process to release the directory)
 * should not pay.
 */
async function chdb() {
  const [{ createChdbConnection }, { drainPending }] = await Promise.all([
    import('chdb/connection'),
    import('chdb'),
  ]);
  return { createChdbConnection, drainPending };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The other process holding the engine lock on `<path>/status`, if any. ClickHouse flock()s that file and
 * writes `PID: n` in it; the file stays behind when its process is killed, and a pid can be reused, so on
 * Linux the lock table (/proc/locks) is asked who holds the file's inode; elsewhere the pid must be alive.
 */
function otherHolder(path: string): number | undefined {
  const status = join(path, 'status');
  let inode: number;
  let text: string;
  try {
    inode = statSync(status).ino;
    text = readFileSync(status, 'utf8');
  } catch {
    return undefined;
  }
  let holder = Number(/^PID:\s*(\d+)/m.exec(text)?.[1]);
  try {
    const locks = readFileSync('/proc/locks', 'utf8');
    const lock = locks
      .split('\n')
      .map((line) => /\bFLOCK\s+\S+\s+WRITE\s+(\d+)\s+[0-9a-f]+:[0-9a-f]+:(\d+)\b/i.exec(line))
      .find((match) => match !== null && Number(match[2]) === inode);
    holder = lock ? Number(lock[1]) : NaN;
  } catch {
    // No /proc (macOS): trust the pid written in the file if that process lives.
  }
  return Number.isInteger(holder) && holder !== process.pid && alive(holder) ? holder : undefined;
}

async function open(engine: Engine): Promise<ChdbConnection> {
  if (engine.connection) return engine.connection;
  engine.opening ??= connect(engine).finally(() => (engine.opening = undefined));
  return engine.opening;
}

/** How long an open waits for an earlier engine of this process, on another directory, to finish closing. */
const REBIND_WAIT_MS = 30_000;

async function connect(engine: Engine): Promise<ChdbConnection> {
  await registry().closing;
  // Checked first, so a process waiting for the directory neither loads libchdb nor has it log the failure.
  const holder = otherHolder(engine.path);
  if (holder !== undefined) throw new EmbeddedEngineBusyError(engine.path, holder);
  mkdirSync(engine.path, { recursive: true });
  const { createChdbConnection } = await chdb();
  const deadline = Date.now() + REBIND_WAIT_MS;
  for (;;) {
    try {
      engine.connection = createChdbConnection({ path: engine.path });
      return engine.connection;
    } catch (error) {
      // libchdb reports only "Failed to create connection"; the lock says whether someone else took it.
      const taken = otherHolder(engine.path);
      if (taken !== undefined) throw new EmbeddedEngineBusyError(engine.path, taken);
      // This process's engine is still bound to another directory: its last client is closing it, in another
      // realm (a previous Jest test file) whose shutdown this realm cannot await. Give it time.
      if (!/only one active data directory/.test(String(error)) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function shutDown(engine: Engine): Promise<void> {
  if (engine.inFlight > 0) await new Promise<void>((resolve) => engine.idleWaiters.push(resolve));
  if (engine.opening) await engine.opening.catch(() => undefined);
  if (!engine.connection) return;
  await engine.connection.close();
  // close() can return while libchdb still finishes with the connection; rebinding before that would fail.
  await (await chdb()).drainPending();
}

/**
 * The embedded ClickHouse engine (chDB) as a `@clickhouse/client` connection. This file is the only place
 * that imports `chdb`: everything else talks to `@clickhouse/client`, whatever the engine.
 *
 * libchdb binds one data directory per process, and an engine directory is locked by one process at a time.
 * Hence:
 * - every client of this realm on one directory shares one engine, reference-counted; the last `close()` waits
 *   for running statements, closes it and lets libchdb drain, after which the process may open another
 *   directory (a test runner starting one app after another, each with its own DATA_DIR);
 * - the engine is opened on the first statement, not here, and a failed open is retried by the next statement.
 *   A process that finds the directory locked by another (EmbeddedEngineBusyError) keeps working without
 *   analytics until the holder exits; callers decide whether to wait (the analytics consumer does).
 * A Jest test file runs in its own realm (own `globalThis`, hence own registry); libchdb lets connections of
 * several realms to one directory coexist, so suites of one Jest worker share a directory (testing/).
 */
export function embeddedConnection(dataDir: string): InjectedConnection {
  const path = resolve(dataDir);
  const state = registry();
  if (state.engine && state.engine.path !== path) throw new EmbeddedEnginePathError(state.engine.path, path);
  const engine: Engine = (state.engine ??= { path, refs: 0, inFlight: 0, idleWaiters: [] });
  engine.refs += 1;
  let closed = false;

  const run = async <T>(call: (connection: ChdbConnection) => Promise<T>): Promise<T> => {
    if (closed) throw new EmbeddedConnectionClosedError();
    engine.inFlight += 1;
    try {
      return await call(await open(engine));
    } finally {
      engine.inFlight -= 1;
      if (engine.inFlight === 0) engine.idleWaiters.splice(0).forEach((wake) => wake());
    }
  };

  return {
    // ping reports failure as a result, as the HTTP connection does, instead of throwing.
    ping: async (params) => {
      try {
        return await run((c) => c.ping(params as ChdbParams<'ping'>));
      } catch (error) {
        return { success: false, error: error as Error };
      }
    },
    query: (params) => run((c) => c.query(params as ChdbParams<'query'>)),
    insert: (params) => run((c) => c.insert(params as ChdbParams<'insert'>)),
    command: (params) => run((c) => c.command(params as ChdbParams<'command'>)),
    exec: (params) => run((c) => c.exec(params as ChdbParams<'exec'>)),
    close: async () => {
      if (closed) return;
      closed = true;
      engine.refs -= 1;
      if (engine.refs > 0) return;
      if (state.engine === engine) state.engine = undefined;
      const previous = state.closing;
      const closing = (async () => {
        await previous;
        await shutDown(engine);
      })();
      state.closing = closing;
      try {
        await closing;
      } finally {
        if (state.closing === closing) state.closing = undefined;
      }
    },
  };
}

/** A connection for a process that must not open the embedded engine: every statement is refused. */
export function elsewhereConnection(dataDir: string): InjectedConnection {
  const refuse = () => Promise.reject(new EmbeddedEngineElsewhereError(resolve(dataDir)));
  return {
    ping: async () => ({ success: false, error: new EmbeddedEngineElsewhereError(resolve(dataDir)) }),
    query: refuse,
    insert: refuse,
    command: refuse,
    exec: refuse,
    close: async () => undefined,
  };
}

/** Where the embedded engine of this realm keeps its data, while a client has it. */
export function embeddedDataPath(): string | undefined {
  return registry().engine?.path;
}

/** What one statement of an {@link EmbeddedSqlSession} returns: the engine's bytes, in the format asked. */
export interface EmbeddedSqlResult {
  readonly bytes: Uint8Array;
  readonly rowsRead: number;
  readonly bytesRead: number;
  readonly elapsedSeconds: number;
}

/**
 * A session of its own on the process's embedded engine: its settings (`SET readonly = 1`, limits, the current
 * database) stay in it and never reach the projectors' connection. The SQL entrance opens one per request.
 */
export interface EmbeddedSqlSession {
  run(
    sql: string,
    options?: { format?: string; params?: Record<string, string>; signal?: AbortSignal },
  ): Promise<EmbeddedSqlResult>;
  close(): Promise<void>;
}

/**
 * Opens a session on the engine `dataDir` is bound to in this process: the engine is opened (or found busy,
 * EmbeddedEngineBusyError) like any statement's, and a closing engine waits for the session to end. Errors
 * are the engine's own, as `ClickHouseError`s (code and type parsed from its message).
 */
export async function openEmbeddedSqlSession(dataDir: string): Promise<EmbeddedSqlSession> {
  const path = resolve(dataDir);
  const engine = registry().engine;
  if (!engine || engine.path !== path) throw new EmbeddedConnectionClosedError();
  engine.inFlight += 1;
  let session: import('chdb').Session;
  try {
    await open(engine);
    const { Session } = await import('chdb');
    session = new Session(path);
  } catch (error) {
    release(engine);
    throw error;
  }
  const { parseError } = await import('@clickhouse/client');
  let closed = false;
  return {
    async run(sql, options = {}) {
      try {
        const run = options.params
          ? session.queryBindAsync(sql, options.params, { format: options.format, signal: options.signal })
          : session.queryAsync(sql, { format: options.format, signal: options.signal });
        const result = await run;
        return {
          bytes: result.bytes(),
          rowsRead: result.rowsRead,
          bytesRead: result.bytesRead,
          elapsedSeconds: result.elapsed,
        };
      } catch (error) {
        throw parseError(error instanceof Error ? error.message : String(error));
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        session.close();
      } finally {
        release(engine);
      }
    },
  };
}

function release(engine: Engine): void {
  engine.inFlight -= 1;
  if (engine.inFlight === 0) engine.idleWaiters.splice(0).forEach((wake) => wake());
}
