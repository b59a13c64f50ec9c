import type { InjectedConnection } from '@crm/analytics';
import { Readable } from 'node:stream';
import type {
  EngineMethod,
  ForwardedError,
  ForwardedParams,
  ForwardedResult,
  HostMessage,
} from './worker-part.messages';

/**
 * The API process's side of the forwarded engine: runs the worker process's ClickHouse statements on this
 * process's embedded engine (the engine's own threads do the work; this event loop only passes bytes along).
 */
export class EngineStatementServer {
  constructor(private readonly engine: InjectedConnection) {}

  async run(id: number, method: EngineMethod, params: ForwardedParams): Promise<HostMessage> {
    try {
      return { type: 'engine-done', id, ok: await this.execute(method, params) };
    } catch (error) {
      return { type: 'engine-failed', id, error: describe(error) };
    }
  }

  private async execute(method: EngineMethod, params: ForwardedParams): Promise<ForwardedResult> {
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
        return { result, bytes: await readAll(stream as Readable) };
      }
      case 'exec': {
        const { stream, ...result } = await this.engine.exec({
          ...base,
          ...(params.values !== undefined ? { values: Readable.from([params.values]) } : {}),
        } as never);
        return { result, bytes: await readAll(stream as Readable) };
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

async function readAll(stream: Readable): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks);
}

function describe(error: unknown): ForwardedError {
  const e = error as { name?: string; message?: string; code?: unknown; type?: unknown };
  return {
    name: e?.name ?? 'Error',
    message: e?.message ?? String(error),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    ...(typeof e?.type === 'string' ? { type: e.type } : {}),
  };
}
