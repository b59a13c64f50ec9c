import type { NextFunction, Request, Response } from 'express';
import { ApiProblem } from '../problems/api-problem';

/**
 * The body parser's failures that carry no `type` are the body's stream failing to decode: a body that
 * claims `Content-Encoding: gzip`, `deflate` or `br` but is not compressed (zlib's "incorrect header check"),
 * or is truncated. The client sent it, so it is a 400 with a stable code, not a 500.
 */
export function bodyDecodingProblems() {
  return (error: unknown, req: Request, _res: Response, next: NextFunction): void => {
    const failure = error as { type?: unknown; status?: unknown } | null;
    if (
      failure === null ||
      typeof failure !== 'object' ||
      failure.type !== undefined ||
      failure.status !== 400
    ) {
      return next(error);
    }
    const encoding = req.header('content-encoding') ?? 'identity';
    next(
      new ApiProblem(
        400,
        'MALFORMED_CONTENT_ENCODING',
        'The request body does not match its Content-Encoding',
        `The body could not be decoded as ${encoding}`,
      ),
    );
  };
}
