import type { EmbeddedSqlSession, InjectedConnection } from '@crm/analytics';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import type {
  EngineMethod,
  EngineRequest,
  ForwardedError,
  ForwardedParams,
  ForwardedResult,
  ForwardedSqlResult,
} from './worker-part.messages';

/**
 * The worker process's side of the forwarded engine: runs the API process's ClickHouse statements and SQL
 * entrance sessions on this process's embedded engine (the engine's own threads do the work).
 */
export class EngineStatementServer {
  private readonly sessions = new Map<number, EmbeddedSqlSession>();
  private nextSession = 0;

  constructor(
    private readonly engine: InjectedConnection,
    private readonly openSqlSession?: () => Promise<EmbeddedSqlSession>,
  ) {}

  async handle(request: EngineRequest): Promise<{ ok?: unknown; error?: ForwardedError }> {
    try {
      return { ok: await this.run(request) };
    } catch (error) {
      return { error: toForwardedError(error) };
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.close().catch(() => undefined)));
    this.sessions.clear();
    await this.engine.close();
  }

  private async run(request: EngineRequest): Promise<unknown> {
    switch (request.op) {
      case 'statement':
        return this.statement(request.method, request.params);
      case 'session-open': {
        if (!this.openSqlSession) throw new Error('No embedded engine in the worker process');
        const id = ++this.nextSession;
        this.sessions.set(id, await this.openSqlSession());
        return id;
      }
      case 'session-run': {
        const session = this.sessions.get(request.session);
        if (!session) throw new Error(`SQL session ${request.session} is not open`);
        const result = await session.run(request.sql, { format: request.format, params: request.params });
        return result satisfies ForwardedSqlResult;
      }
      case 'session-close': {
        const session = this.sessions.get(request.session);
        this.sessions.delete(request.session);
        await session?.close();
        return true;
      }
    }
  }

  private async statement(method: EngineMethod, params: ForwardedParams): Promise<ForwardedResult> {
    // Plain data as it left the client of the other process: the settings are ClickHouse's, typed loosely here.
    const base = { ...params, query: params.query ?? '' } as Parameters<InjectedConnection['command']>[0];
    switch (method) {
      case 'ping': {
        const result = await this.engine.ping({ select: params.select ?? true });
        if (!result.success) throw result.error;
        return { result: { success: true } };
      }
      case 'query': {
        const { stream, ...result } = await this.engine.query(base);
        return { result, bytes: await buffer(stream as Readable) };
      }
      case 'exec': {
        const { stream, ...result } = await this.engine.exec({
          ...base,
          ...(params.values !== undefined ? { values: Readable.from([params.values]) } : {}),
        } as never);
        return { result, bytes: await buffer(stream as Readable) };
      }
      case 'insert':
        return {
          result: { ...(await this.engine.insert({ ...base, values: params.values ?? '' } as never)) },
        };
      case 'command':
        return { result: { ...(await this.engine.command(base)) } };
    }
  }
}

/** An error as it crosses a process boundary (the worker process's engine, or crm serve's primary relaying it). */
export function toForwardedError(error: unknown): ForwardedError {
  const e = error as { name?: string; message?: string; code?: unknown; type?: unknown };
  // ClickHouseError (of whichever copy of the client library) leaves `name` as "Error": its class names it.
  const name = e?.constructor?.name === 'ClickHouseError' ? 'ClickHouseError' : (e?.name ?? 'Error');
  return {
    name,
    message: e?.message ?? String(error),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    ...(typeof e?.type === 'string' ? { type: e.type } : {}),
  };
}
