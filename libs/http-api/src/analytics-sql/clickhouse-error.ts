/**
 * An answer in ClickHouse's own error format, the one its HTTP interface sends and its clients parse
 * (`Code: 164. DB::Exception: <message>. (READONLY)`, with `X-ClickHouse-Exception-Code`). Codes and names are
 * ClickHouse's, so a client or a tool shows the analyst what ClickHouse itself would have said.
 */
export class ClickHouseHttpError extends Error {
  constructor(
    readonly code: number,
    readonly type: string,
    message: string,
    readonly httpStatus = httpStatusOf(code),
  ) {
    super(message);
    this.name = 'ClickHouseHttpError';
  }

  get body(): string {
    const message = this.message.trim().replace(/\.+$/, '');
    return `Code: ${this.code}. DB::Exception: ${message}. (${this.type})\n`;
  }
}

/** The HTTP status ClickHouse's server answers for these codes; any other error is a 500, as there. */
function httpStatusOf(code: number): number {
  switch (code) {
    case 62: // SYNTAX_ERROR
    case 27: // CANNOT_PARSE_INPUT_ASSERTION_FAILED
    case 73: // UNKNOWN_FORMAT
    case 115: // UNKNOWN_SETTING
    case 456: // UNKNOWN_QUERY_PARAMETER
    case 457: // BAD_QUERY_PARAMETER
      return 400;
    case 194: // REQUIRED_PASSWORD
      return 401;
    case 164: // READONLY
    case 452: // SETTING_CONSTRAINT_VIOLATION
    case 497: // ACCESS_DENIED
    case 516: // AUTHENTICATION_FAILED
      return 403;
    case 60: // UNKNOWN_TABLE
    case 81: // UNKNOWN_DATABASE
      return 404;
    case 202: // TOO_MANY_SIMULTANEOUS_QUERIES
    case 210: // NETWORK_ERROR (the store is not reachable from this process)
      return 503;
    default:
      return 500;
  }
}

/** The engine's own error (a `ClickHouseError` of @clickhouse/client: `code` as text, `type`), as an answer. */
export function fromEngineError(error: unknown): ClickHouseHttpError {
  if (error instanceof ClickHouseHttpError) return error;
  const { code, type, message } = error as { code?: unknown; type?: unknown; message?: unknown };
  const numeric = Number(code);
  const text = String(message ?? error);
  if (Number.isInteger(numeric) && numeric > 0 && typeof type === 'string') {
    // The engine's message sometimes nests its own "Code: n. DB::Exception:" prefix; keep one.
    const inner = /^Code: \d+\. DB::Exception: (.*?)(?: \(\w+\))?(?: \(version [^)]*\))?\.?$/s.exec(text);
    return new ClickHouseHttpError(numeric, type, inner ? inner[1] : text);
  }
  return new ClickHouseHttpError(1001, 'STD_EXCEPTION', text);
}
