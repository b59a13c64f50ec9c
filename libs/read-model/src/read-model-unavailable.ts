/**
 * Whether an error from a read-model query means the database cannot be reached right now (down,
 * restarting, shutting down, out of connections), as opposed to a bug or a bad query. The API answers the
 * former with 503 and Retry-After: the read model catches up on its own once the database is back.
 */
const NETWORK_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EAI_AGAIN',
]);
/** SQLSTATE class 08 (connection exception), 57P01-57P03 (admin/crash shutdown, cannot connect now), 53300. */
const UNAVAILABLE_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[123]|53300)$/;

interface ErrorLike {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly driverError?: { readonly code?: unknown };
}

export function isReadModelUnavailable(error: unknown): boolean {
  // Duck-typed, not instanceof Error: socket errors come from Node's own realm (a test VM has another one).
  if (typeof error !== 'object' || error === null || typeof (error as ErrorLike).message !== 'string')
    return false;
  const { code: own, message, driverError } = error as ErrorLike;
  const code = driverError?.code ?? own;
  if (typeof code === 'string' && (NETWORK_ERRNOS.has(code) || UNAVAILABLE_SQLSTATE.test(code))) return true;
  // node-postgres, when the server closes a connection in use without an error packet.
  return /^Connection terminated( unexpectedly)?$/.test(message as string);
}
