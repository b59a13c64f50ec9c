import { RebuildAlreadyRunningError, UnknownProjectionError } from '@crm/read-model';
import { ApiProblem } from '../problems/api-problem';

/** The rebuild errors as the admin API answers them; anything else is left to the problem filter. */
export function rebuildProblem(error: unknown): unknown {
  if (error instanceof RebuildAlreadyRunningError) {
    return new ApiProblem(
      409,
      error.code,
      'Rebuild already running',
      error.message,
      undefined,
      {},
      {
        projection: error.projection,
        owner: error.owner,
        leaseExpiresAt: new Date(error.leaseExpiresAt).toISOString(),
      },
    );
  }
  if (error instanceof UnknownProjectionError) {
    return new ApiProblem(
      404,
      error.code,
      'Unknown projection',
      error.message,
      undefined,
      {},
      {
        projections: error.known,
      },
    );
  }
  return error;
}

const invalid = (path: string, message: string) =>
  new ApiProblem(400, 'VALIDATION_FAILED', 'Invalid request body', undefined, [
    { path, code: 'INVALID_FIELD', message },
  ]);

/**
 * The optional body of POST /v1/admin/projections/{name}/rebuild: absent, or a JSON object. `null`, arrays
 * and scalars are refused alike (the parser reads them all; only "no body" means the defaults).
 */
export function rebuildOptions(body: unknown): { fromScratch?: boolean; batchSize?: number } {
  if (body === undefined) return {};
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalid('$', 'the body must be a JSON object');
  }
  const { fromScratch, batchSize, ...unknown } = body as Record<string, unknown>;
  const extra = Object.keys(unknown)[0];
  if (extra !== undefined) {
    throw new ApiProblem(400, 'VALIDATION_FAILED', 'Invalid request body', undefined, [
      { path: `$.${extra}`, code: 'UNKNOWN_FIELD', message: `${extra} is not a field of this request` },
    ]);
  }
  if (fromScratch !== undefined && typeof fromScratch !== 'boolean') {
    throw invalid('$.fromScratch', 'fromScratch must be a boolean');
  }
  if (
    batchSize !== undefined &&
    !(Number.isInteger(batchSize) && (batchSize as number) >= 1 && (batchSize as number) <= 100_000)
  ) {
    throw invalid('$.batchSize', 'batchSize must be an integer from 1 to 100000');
  }
  return {
    ...(fromScratch !== undefined ? { fromScratch } : {}),
    ...(batchSize !== undefined ? { batchSize: batchSize as number } : {}),
  };
}
