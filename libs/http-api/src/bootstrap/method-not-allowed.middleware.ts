import type { NextFunction, Request, Response } from 'express';
import { ApiProblem } from '../problems/api-problem';

interface Route {
  readonly method: string;
  readonly path: string;
}

/** `/v1/customers/:customerId` as a pattern of request paths (a parameter is one non-empty segment). */
function pattern(path: string): string {
  return path
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
}

const matcher = (paths: Iterable<string>): RegExp =>
  new RegExp(`^(?:${[...paths].map(pattern).join('|')})/?$`);

/**
 * A known path asked with a method it does not serve answers 405 with an Allow header (RFC 9110), not the
 * 404 of a path that does not exist. GET routes serve HEAD too (Express does); OPTIONS is answered by CORS
 * when it is enabled, before this. The problem goes to the problem filter's error middleware. Every request
 * passes here, so a request whose method serves its path costs one match against that method's paths, all
 * in one pattern; only a request that fails it has every path tried, to name the methods it may use.
 */
export function methodNotAllowed(routes: readonly Route[]) {
  const pathsByMethod = new Map<string, Set<string>>();
  const methodsByPath = new Map<string, Set<string>>();
  const add = (method: string, path: string) => {
    pathsByMethod.set(method, (pathsByMethod.get(method) ?? new Set()).add(path));
    methodsByPath.set(path, (methodsByPath.get(path) ?? new Set()).add(method));
  };
  for (const { method, path } of routes) {
    add(method, path);
    if (method === 'GET') add('HEAD', path);
  }
  const served = new Map([...pathsByMethod].map(([method, paths]) => [method, matcher(paths)]));
  const known = [...methodsByPath].map(([path, methods]) => ({ match: matcher([path]), methods }));
  return (req: Request, res: Response, next: NextFunction): void => {
    if (served.get(req.method)?.test(req.path)) return next();
    const allowed = new Set<string>();
    for (const { match, methods } of known) {
      if (!match.test(req.path)) continue;
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
