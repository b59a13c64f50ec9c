import type { InjectedConnection } from '@crm/analytics';
import { ClickHouseError } from '@clickhouse/client';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type {
  EngineMethod,
  ForwardedError,
  ForwardedParams,
  ForwardedResult,
  HostMessage,
  WorkerProcessMessage,
} from './worker-part.messages';

/** The engine's owner went away (the API process exited): the statement's outcome is unknown. */
export class ForwardedEngineGoneError extends Error {
  readonly code = 'analytics.forwarded_engine_gone';
  constructor() {
    super('The process that owns the embedded ClickHouse engine is gone; the statement may not have run');
    this.name = new.target.name;
  }
}

interface Pending {
  resolve(value: ForwardedResult): void;
  reject(error: Error): void;
}

/**
 * The embedded ClickHouse engine of the API process as a `@clickhouse/client` connection of `crm serve`'s worker
 * process: each statement is sent over the IPC channel and run there (EngineStatementServer). ClickHouse locks its
 * directory for one process, and the API process keeps it so that its analytics answers and the SQL entrance do
 * not depend on the worker process being up; a crash of this process never leaves the engine mid-statement.
 */
export function forwardedEngineConnection(
  send: (message: WorkerProcessMessage) => void,
  onReply: (listener: (message: HostMessage) => void) => void,
): InjectedConnection & { disconnected(): void } {
  const pending = new Map<number, Pending>();
  let next = 0;
  let gone = false;
  onReply((message) => {
    if (message.type !== 'engine-done' && message.type !== 'engine-failed') return;
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.type === 'engine-done') waiter.resolve(message.ok);
    else waiter.reject(toError(message.error));
  });

  const call = async (method: EngineMethod, params: Record<string, unknown>): Promise<ForwardedResult> => {
    const signal = params.abort_signal as AbortSignal | undefined;
    signal?.throwIfAborted();
    const plain = await plainParams(params);
    if (gone) throw new ForwardedEngineGoneError();
    const id = ++next;
    return new Promise<ForwardedResult>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      send({ type: 'engine', id, method, params: plain });
    });
  };
  const withStream = ({ result, bytes }: ForwardedResult) => ({
    ...result,
    stream: Readable.from(bytes && bytes.length > 0 ? [Buffer.from(bytes)] : []),
  });

  return {
    ping: async (params) => {
      try {
        return (await call('ping', { ...params })).result as { success: true };
      } catch (error) {
        return { success: false, error: error as Error };
      }
    },
    query: async (params) => withStream(await call('query', { ...params })) as never,
    exec: async (params) => withStream(await call('exec', { ...params })) as never,
    insert: async (params) => (await call('insert', { ...params })).result as never,
    command: async (params) => (await call('command', { ...params })).result as never,
    close: async () => undefined,
    disconnected() {
      gone = true;
      for (const waiter of pending.values()) waiter.reject(new ForwardedEngineGoneError());
      pending.clear();
    },
  };
}

async function plainParams(params: Record<string, unknown>): Promise<ForwardedParams> {
  const values = params.values;
  return {
    query: params.query as string | undefined,
    ...(values === undefined
      ? {}
      : { values: typeof values === 'string' ? values : await readAll(values as Readable) }),
    clickhouse_settings: params.clickhouse_settings as Record<string, unknown> | undefined,
    query_params: params.query_params as Record<string, unknown> | undefined,
    session_id: params.session_id as string | undefined,
    query_id: (params.query_id as string | undefined) ?? randomUUID(),
    select: params.select as boolean | undefined,
    ignore_error_response: params.ignore_error_response as boolean | undefined,
  };
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

function toError(error: ForwardedError): Error {
  if (error.name === 'ClickHouseError' && error.code !== undefined)
    return new ClickHouseError({ message: error.message, code: error.code, type: error.type });
  const rebuilt = Object.assign(new Error(error.message), error.code ? { code: error.code } : {});
  rebuilt.name = error.name;
  return rebuilt;
}
