import { ClickHouseHttpError } from './clickhouse-error';

/** One request to the SQL entrance, as ClickHouse's HTTP interface reads it. */
export interface SqlRequest {
  /** The `query` parameter followed by the body (ClickHouse joins them the same way). */
  readonly query: string;
  /** `database` parameter or `X-ClickHouse-Database` header: the current database the client asks for. */
  readonly database?: string;
  /** Format of a query without a FORMAT clause (`default_format`, or `X-ClickHouse-Format`). */
  readonly defaultFormat?: string;
  readonly queryId?: string;
  /** Every other parameter: a ClickHouse setting, as text. */
  readonly settings: Readonly<Record<string, string>>;
  /** `param_<name>` parameters: values of `{name:Type}` placeholders. */
  readonly params: Readonly<Record<string, string>>;
  /** The API key, from whichever place the client put its password. */
  readonly key?: string;
}

/**
 * Parameters that are part of the HTTP protocol rather than settings. Sessions, compression and buffering are
 * accepted and have no effect here: every request runs in a session of its own, and answers are sent whole.
 */
const PROTOCOL_PARAMS = new Set([
  'query',
  'database',
  'default_format',
  'query_id',
  'user',
  'password',
  'quota_key',
  'session_id',
  'session_timeout',
  'session_check',
  'compress',
  'decompress',
  'buffer_size',
  'wait_end_of_query',
  'role',
  'pathname',
]);

/** HTTP-layer settings with no meaning for an answer sent whole (ClickHouse itself reads them in its server). */
const HTTP_ONLY_SETTINGS = new Set([
  'send_progress_in_http_headers',
  'http_headers_progress_interval_ms',
  'http_send_progress_interval_ms',
  'enable_http_compression',
  'http_zlib_compression_level',
  'http_response_buffer_size',
  'http_wait_end_of_query',
  'http_native_compression_disable_checksumming_on_decompress',
  'cancel_http_readonly_queries_on_client_close',
]);

const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The key from `X-ClickHouse-Key`, basic auth's password, a bearer token, or the `password` parameter. */
function keyOf(headers: Record<string, string | string[] | undefined>, url: URL): string | undefined {
  const fromHeader = header(headers, 'x-clickhouse-key');
  if (fromHeader) return fromHeader;
  const authorization = header(headers, 'authorization');
  if (authorization) {
    const basic = /^Basic\s+(\S+)\s*$/i.exec(authorization);
    if (basic) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      return colon >= 0 ? decoded.slice(colon + 1) : undefined;
    }
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (bearer) return bearer[1];
  }
  return url.searchParams.get('password') ?? undefined;
}

export function parseSqlRequest(
  url: URL,
  headers: Record<string, string | string[] | undefined>,
  body: string,
): SqlRequest {
  const settings: Record<string, string> = {};
  const params: Record<string, string> = {};
  for (const [name, value] of url.searchParams) {
    if (name.startsWith('param_')) params[name.slice('param_'.length)] = value;
    else if (PROTOCOL_PARAMS.has(name) || HTTP_ONLY_SETTINGS.has(name)) continue;
    else if (!SETTING_NAME.test(name))
      throw new ClickHouseHttpError(115, 'UNKNOWN_SETTING', `Unknown setting '${name}'`);
    else settings[name] = value;
  }
  const query = [url.searchParams.get('query') ?? '', body].filter((part) => part.trim() !== '').join('\n');
  if (query.trim() === '') throw new ClickHouseHttpError(62, 'SYNTAX_ERROR', 'Empty query');
  return {
    query,
    database: url.searchParams.get('database') ?? header(headers, 'x-clickhouse-database') ?? undefined,
    defaultFormat:
      url.searchParams.get('default_format') ?? header(headers, 'x-clickhouse-format') ?? undefined,
    queryId: url.searchParams.get('query_id') || undefined,
    settings,
    params,
    key: keyOf(headers, url),
  };
}
