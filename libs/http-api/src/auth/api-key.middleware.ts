import type { NextFunction, Request, Response } from 'express';
import { ApiKeyRegistry, ApiPrincipal } from './api-key.registry';
import { rateLimited, unauthenticated } from './auth.problems';
import { TokenBucketLimiter } from './token-bucket.limiter';

const PRINCIPAL = Symbol('crm.apiPrincipal');
type WithPrincipal = Request & { [PRINCIPAL]?: ApiPrincipal };

/** The verified key of this request, set by {@link authenticateApiKey}; undefined when none was sent. */
export function principalOf(req: Request): ApiPrincipal | undefined {
  return (req as WithPrincipal)[PRINCIPAL];
}

function hasBody(req: Request): boolean {
  const length = Number(req.headers['content-length'] ?? 0);
  return req.headers['transfer-encoding'] !== undefined || length > 0;
}

/**
 * Runs before the body parser, so nobody makes the API read a body without a valid key and within its rate
 * limit. A request without any key goes on (public routes exist) unless it carries a body: which routes need
 * what is the scope guard's decision, once the route is known.
 */
export function authenticateApiKey(registry: ApiKeyRegistry, limiter: TokenBucketLimiter) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const header = req.headers.authorization;
    if (header === undefined) {
      if (hasBody(req)) return next(unauthenticated('Send an API key: Authorization: Bearer <key>', false));
      return next();
    }
    const match = /^Bearer +(\S+) *$/i.exec(header);
    const principal = match ? registry.verify(match[1]) : undefined;
    if (!principal) {
      return next(unauthenticated('The Authorization header does not carry a valid API key', true));
    }
    const taken = limiter.take(principal.keyId, principal.rateLimit);
    if (!taken.allowed) return next(rateLimited(taken.retryAfterSeconds));
    (req as WithPrincipal)[PRINCIPAL] = principal;
    next();
  };
}
