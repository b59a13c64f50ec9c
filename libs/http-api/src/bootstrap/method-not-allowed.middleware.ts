import type { NextFunction, Request, Response } from 'express';
import { ApiProblem } from '../problems/api-problem';

interface Route {
  readonly method: string;
  readonly path: string;
}

/** `/v1/customers/:customerId` as a matcher of request paths (a parameter is one non-empty segment). */
function matcher(path: string): RegExp {
  const pattern = path
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${pattern}/?$`);
}

/**
 * A known path asked with a method it does not serve answers 405 with an Allow header (RFC 9110), not the
 * 404 of a path that does not exist. GET routes serve HEAD too (Express does); OPTIONS is answered by CORS
 * when it is enabled, before this. The problem goes to the problem filter's error middleware.
 */
export function methodNotAllowed(routes: readonly Route[]) {
  const byPath = new Map<string, { match: RegExp; methods: Set<string> }>();
  for (const { method, path } of routes) {
    const entry = byPath.get(path) ?? { match: matcher(path), methods: new Set<string>() };
    entry.methods.add(method);
    if (method === 'GET') entry.methods.add('HEAD');
    byPath.set(path, entry);
  }
  const known = [...byPath.values()];
  return (req: Request, res: Response, next: NextFunction): void => {
    const allowed = new Set<string>();
    for (const { match, methods } of known) {
      if (!match.test(req.path)) continue;
      if (methods.has(req.method)) return next();
      for (const method of methods) allowed.add(method);
    }
    if (allowed.size === 0) return next();
    const allow = [...allowed].sort().join(', ');
    next(
      new ApiProblem(
        405,
        'METHOD_NOT_ALLOWED',
        'Method not allowed',
        `${req.method} is not served here; use ${allow}`,
        undefined,
        {
          Allow: allow,
        },
      ),
    );
  };
}
