import {
  ANALYTICS_CLIENT,
  AnalyticsSchema,
  type AnalyticsClient,
  type EmbeddedSqlSession,
} from '@crm/analytics';
import { AppConfig } from '@crm/config';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { ApiKeyRegistry } from '../auth/api-key.registry';
import type { TokenBucketLimiter } from '../auth/token-bucket.limiter';
import { ClickHouseHttpError, fromEngineError } from './clickhouse-error';
import { parseSqlRequest, type SqlRequest } from './clickhouse-http.request';
import { sessionSettings, type SqlLimits } from './sql-limits.policy';
import { contentTypeOf, DEFAULT_OUTPUT_FORMAT } from './sql-output.formats';
import {
  checkQueryTree,
  classifyStatement,
  formatClauseOf,
  selectsWithin,
  withoutFormatClause,
} from './sql-statement.guard';
import { SqlSlots } from './sql-slots';

export const SQL_SCOPE = 'analytics:sql';

function literal(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function identifier(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

/** The message of a formatQuerySingleLine failure, without the wrapper query the entrance used. */
function withoutWrapper(error: ClickHouseHttpError): ClickHouseHttpError {
  const message = error.message.replace(/\s*:?\s*In scope SELECT formatQuerySingleLine\([\s\S]*$/, '');
  return new ClickHouseHttpError(error.code, error.type, message, error.httpStatus);
}

/**
 * The SQL entrance: the part of ClickHouse's HTTP interface that its clients use (`@clickhouse/client`,
 * clickhouse-connect, HTTP-based SQL tools), on its own port (SQL_PORT), in front of the process's embedded
 * engine. Each request runs in a session of its own: the client's harmless settings, the configured ceilings,
 * the analytics database as current database, then `readonly = 1`, which ClickHouse enforces from there on.
 * Only reading statements run, and a query's tables must be the analytics database's (see
 * sql-statement.guard). With CLICKHOUSE_URL there is no entrance: analysts connect to that server.
 */
@Injectable()
export class SqlEntrance implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('SqlEntrance');
  private server?: Server;
  private keys?: ApiKeyRegistry;
  private limiter?: TokenBucketLimiter;
  private readonly slots: SqlSlots;
  private readonly limits: SqlLimits;

  constructor(
    private readonly config: AppConfig,
    @Inject(ANALYTICS_CLIENT) private readonly ch: AnalyticsClient,
    private readonly schema: AnalyticsSchema,
  ) {
    this.slots = new SqlSlots(config.SQL_MAX_CONCURRENT_QUERIES);
    this.limits = {
      maxExecutionSeconds: config.SQL_MAX_EXECUTION_SECONDS,
      maxMemoryBytes: config.SQL_MAX_MEMORY_BYTES,
      maxResultRows: config.SQL_MAX_RESULT_ROWS,
      maxResultBytes: config.SQL_MAX_RESULT_BYTES,
    };
  }

  /** The API's keys and rate limiter: one key, one budget, whichever entrance it uses. */
  authenticateWith(keys: ApiKeyRegistry, limiter: TokenBucketLimiter): void {
    this.keys = keys;
    this.limiter = limiter;
  }

  /** The port it listens on, once listening (SQL_PORT=0 picks a free one). */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.SQL_PORT === undefined) return;
    if (this.ch.elsewhere) {
      this.logger.warn(`SQL_PORT is ignored: ${this.ch.elsewhere.message}`);
      return;
    }
    if (!this.ch.openSqlSession) {
      this.logger.warn(
        'SQL_PORT is ignored with CLICKHOUSE_URL: analysts connect to that ClickHouse server directly',
      );
      return;
    }
    const server = createServer((req, res) => void this.handle(req, res));
    server.requestTimeout = (this.config.SQL_MAX_EXECUTION_SECONDS + 30) * 1000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) =>
        reject(new Error(`SQL_PORT=${this.config.SQL_PORT}: cannot listen (${(error as Error).message})`)),
      );
      server.listen(this.config.SQL_PORT, this.config.HOST, () => resolve());
    });
    this.server = server;
    this.logger.log(
      `SQL entrance (ClickHouse HTTP interface, read-only, database ${this.ch.database}) on ` +
        `http://${this.config.HOST}:${this.port}`,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeIdleConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const queryId = randomUUID();
    try {
      const url = new URL(req.url ?? '/', 'http://sql.local');
      if (url.pathname === '/ping' || url.pathname === '/replicas_status') {
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8' }).end('Ok.\n');
        return;
      }
      if (url.pathname !== '/')
        throw new ClickHouseHttpError(1000, 'UNKNOWN', `There is no handle ${url.pathname}`, 404);
      if (req.method !== 'GET' && req.method !== 'POST')
        throw new ClickHouseHttpError(1000, 'UNKNOWN', `Method ${req.method} is not allowed`, 405);
      const body = req.method === 'POST' ? await this.readBody(req) : '';
      const request = parseSqlRequest(url, req.headers, body);
      this.authorize(request);
      const result = await this.slots.run(() => this.run(request, req));
      res.writeHead(200, {
        'Content-Type': contentTypeOf(result.format),
        'X-ClickHouse-Format': result.format,
        'X-ClickHouse-Query-Id': request.queryId ?? queryId,
        'X-ClickHouse-Timezone': 'UTC',
        'X-ClickHouse-Server-Display-Name': 'crm',
        'X-ClickHouse-Summary': JSON.stringify(result.summary),
        'Content-Length': String(result.bytes.byteLength),
      });
      res.end(Buffer.from(result.bytes.buffer, result.bytes.byteOffset, result.bytes.byteLength));
    } catch (error) {
      const answer = fromEngineError(error);
      if (answer.code === 1001) this.logger.warn(`SQL entrance: ${answer.message}`);
      if (res.headersSent) return void res.destroy();
      res
        .writeHead(answer.httpStatus, {
          'Content-Type': 'text/plain; charset=UTF-8',
          'X-ClickHouse-Exception-Code': String(answer.code),
          'X-ClickHouse-Query-Id': queryId,
        })
        .end(answer.body);
    }
  }

  private authorize(request: SqlRequest): void {
    if (!this.keys || !this.limiter)
      throw new ClickHouseHttpError(516, 'AUTHENTICATION_FAILED', 'No API keys are configured');
    if (!request.key)
      throw new ClickHouseHttpError(
        194,
        'REQUIRED_PASSWORD',
        'Send an API key as the password (basic auth, X-ClickHouse-Key, or the password parameter)',
      );
    const principal = this.keys.verify(request.key);
    if (!principal)
      throw new ClickHouseHttpError(516, 'AUTHENTICATION_FAILED', 'The password is not a valid API key');
    if (!principal.scopes.has(SQL_SCOPE))
      throw new ClickHouseHttpError(
        497,
        'ACCESS_DENIED',
        `API key ${principal.keyId} lacks the scope ${SQL_SCOPE} that the SQL entrance requires`,
      );
    const taken = this.limiter.take(principal.keyId, principal.rateLimit);
    if (!taken.allowed)
      throw new ClickHouseHttpError(
        201,
        'QUOTA_EXCEEDED',
        `Rate limit of API key ${principal.keyId} exceeded; retry in ${taken.retryAfterSeconds} s`,
        429,
      );
    const database = request.database;
    if (database !== undefined && database !== '' && database !== 'default' && database !== this.ch.database)
      throw new ClickHouseHttpError(
        497,
        'ACCESS_DENIED',
        `Not enough privileges to use database ${database}: the SQL entrance serves ${this.ch.database}`,
      );
  }

  private async run(request: SqlRequest, req: IncomingMessage) {
    const openSession = this.ch.openSqlSession;
    if (!openSession || !this.schema.isReady) {
      throw new ClickHouseHttpError(
        210,
        'NETWORK_ERROR',
        `The analytics store is not available in this process: ${this.schema.pendingReason ?? 'not open'}`,
        503,
      );
    }
    const abort = new AbortController();
    const onClose = () => abort.abort();
    req.once('close', onClose);
    let session: EmbeddedSqlSession | undefined;
    try {
      session = await openSession();
      for (const [name, value] of sessionSettings(request.settings, this.limits))
        await session.run(`SET ${name} = ${literal(value)}`);
      await session.run(`USE ${identifier(this.ch.database)}`);
      await session.run('SET readonly = 1');
      const formatted = await session
        .run('SELECT formatQuerySingleLine({q:String})', { format: 'TSVRaw', params: { q: request.query } })
        .then((r) => Buffer.from(r.bytes).toString('utf8').trim())
        .catch((error: unknown) => {
          throw withoutWrapper(fromEngineError(error));
        });
      const params = Object.keys(request.params).length > 0 ? request.params : undefined;
      const reads =
        classifyStatement(formatted) === 'data'
          ? [withoutFormatClause(formatted)]
          : selectsWithin(withoutFormatClause(formatted));
      for (const select of reads) {
        const tree = await session.run(`EXPLAIN QUERY TREE ${select}`, { format: 'TSVRaw', params });
        checkQueryTree(Buffer.from(tree.bytes).toString('utf8'), this.ch.database);
      }
      const format = formatClauseOf(formatted) ?? request.defaultFormat ?? DEFAULT_OUTPUT_FORMAT;
      const started = process.hrtime.bigint();
      const result = await session.run(request.query, { format, params, signal: abort.signal });
      return {
        format,
        bytes: result.bytes,
        summary: {
          read_rows: String(result.rowsRead),
          read_bytes: String(result.bytesRead),
          written_rows: '0',
          written_bytes: '0',
          total_rows_to_read: String(result.rowsRead),
          result_bytes: String(result.bytes.byteLength),
          elapsed_ns: String(process.hrtime.bigint() - started),
        },
      };
    } finally {
      req.off('close', onClose);
      await session?.close();
    }
  }

  /** The body, decompressed as its Content-Encoding says, up to MAX_BODY_BYTES. */
  private async readBody(req: IncomingMessage): Promise<string> {
    const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
    const decoders: Record<string, () => NodeJS.ReadWriteStream> = {
      gzip: createGunzip,
      deflate: createInflate,
      br: createBrotliDecompress,
    };
    if (encoding !== 'identity' && !decoders[encoding])
      throw new ClickHouseHttpError(
        1000,
        'UNKNOWN',
        `Unknown Content-Encoding ${encoding}; send gzip, deflate, br or none`,
        415,
      );
    const source: AsyncIterable<unknown> = encoding === 'identity' ? req : req.pipe(decoders[encoding]());
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of source) {
        size += (chunk as Buffer).length;
        if (size > this.config.MAX_BODY_BYTES)
          throw new ClickHouseHttpError(
            1000,
            'UNKNOWN',
            `The query is longer than MAX_BODY_BYTES (${this.config.MAX_BODY_BYTES} bytes)`,
            413,
          );
        chunks.push(chunk as Buffer);
      }
    } catch (error) {
      if (error instanceof ClickHouseHttpError) throw error;
      throw new ClickHouseHttpError(
        1000,
        'UNKNOWN',
        `Cannot decode the ${encoding} body: ${(error as Error).message}`,
        400,
      );
    }
    return Buffer.concat(chunks).toString('utf8');
  }
}
