import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ApiProblem } from '../problems/api-problem';

type ErrorMiddleware = (error: unknown, req: Request, res: Response, next: NextFunction) => void;

/** After the timeout answer, the handler's late answer must neither throw nor reach the client. */
function dropLateWrites(res: Response): void {
  res.setHeader = () => res;
  res.writeHead = () => res;
  res.write = () => true;
  res.end = () => res;
}

/**
 * Answers 503 REQUEST_TIMEOUT when a request is not answered within `timeoutMs` (body reading included).
 * The handler is not cancelled: a publish may still complete, which is why the problem says to retry with
 * the same eventIds (idempotent) rather than assume nothing happened.
 */
export function requestTimeout(timeoutMs: number, renderProblem: ErrorMiddleware) {
  const logger = new Logger('RequestTimeout');
  return (req: Request, res: Response, next: NextFunction): void => {
    const timer = setTimeout(() => {
      if (res.headersSent) return;
      logger.warn(`${req.method} ${req.originalUrl}: no answer within ${timeoutMs} ms`);
      renderProblem(
        new ApiProblem(
          503,
          'REQUEST_TIMEOUT',
          'Request timed out',
          `No answer within ${timeoutMs} ms; the outcome is unknown: retry (event ids make publishing idempotent)`,
          undefined,
          { 'Retry-After': '1' },
        ),
        req,
        res,
        () => undefined,
      );
      dropLateWrites(res);
    }, timeoutMs);
    // 'close' follows 'finish' on every answer and also marks a connection gone first: one listener does.
    res.once('close', () => clearTimeout(timer));
    next();
  };
}
