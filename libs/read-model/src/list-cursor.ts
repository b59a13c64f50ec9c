import { InvalidListQueryError } from './read-model.errors';

/**
 * Opaque keyset cursor: base64url of JSON `{v, q, k, id}` where `q` fingerprints the query it belongs to
 * (filters, sort, order, currency), `k` is the last row's sort key as a string and `id` its customer id.
 * A cursor used with a different query is rejected rather than silently skipping or repeating rows.
 */
export interface CursorPosition {
  readonly key: string;
  readonly customerId: string;
}

interface CursorPayload {
  readonly v: 1;
  readonly q: string;
  readonly k: string;
  readonly id: string;
}

export function encodeCursor(query: string, position: CursorPosition): string {
  const payload: CursorPayload = { v: 1, q: query, k: position.key, id: position.customerId };
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

export function decodeCursor(query: string, cursor: string): CursorPosition {
  let payload: Partial<CursorPayload>;
  try {
    payload = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<CursorPayload>;
  } catch {
    throw new InvalidListQueryError('cursor', 'not a cursor returned by this endpoint');
  }
  if (payload?.v !== 1 || typeof payload.k !== 'string' || typeof payload.id !== 'string') {
    throw new InvalidListQueryError('cursor', 'not a cursor returned by this endpoint');
  }
  if (payload.q !== query) {
    throw new InvalidListQueryError(
      'cursor',
      'belongs to a query with other filters, sort, order or currency',
    );
  }
  return { key: payload.k, customerId: payload.id };
}
