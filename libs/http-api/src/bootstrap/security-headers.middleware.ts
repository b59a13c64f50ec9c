import type { NextFunction, Request, Response } from 'express';

/** What every answer carries: the API serves JSON only, never to be framed, sniffed or cached by a proxy. */
const COMMON: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Permitted-Cross-Domain-Policies': 'none',
  'X-DNS-Prefetch-Control': 'off',
  'Origin-Agent-Cluster': '?1',
  // Ignored by browsers over plain HTTP; effective as soon as a TLS terminator fronts the API.
  'Strict-Transport-Security': 'max-age=15552000; includeSubDomains',
};

/** JSON answers load nothing. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Swagger UI at /docs loads its own scripts and styles from this origin and calls the API from it. */
const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/** The web console at /console: its own scripts and styles only, data from this origin's API. */
const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const COMMON_HEADERS = Object.entries(COMMON);

/** Security headers set in one place, helmet-style, without the dependency. */
export function securityHeaders() {
  return (req: Request, res: Response, next: NextFunction): void => {
    for (const [name, value] of COMMON_HEADERS) res.setHeader(name, value);
    // The API's own paths first: nearly every request is one, and `req.path` parses the URL.
    const path = req.path;
    const api = path.startsWith('/v1/');
    const docs = !api && (path === '/docs' || path.startsWith('/docs/') || path.startsWith('/docs-'));
    const console = !api && (path === '/console' || path.startsWith('/console/'));
    res.setHeader('Content-Security-Policy', docs ? DOCS_CSP : console ? CONSOLE_CSP : API_CSP);
    // Customer data must not linger in shared caches; the docs' static assets may be cached.
    if (!docs) res.setHeader('Cache-Control', 'no-store');
    next();
  };
}
