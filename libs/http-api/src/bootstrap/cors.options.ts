import type { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface';

/**
 * CORS for the configured origins only (CORS_ORIGINS); without it no CORS header is ever sent, so browsers
 * on other origins cannot read answers. Keys travel in the Authorization header, not cookies: no credentials.
 */
export function corsOptions(origins: readonly string[]): CorsOptions {
  return {
    origin: [...origins],
    methods: ['GET', 'HEAD', 'POST', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Correlation-Id'],
    exposedHeaders: ['Retry-After', 'X-Correlation-Id', 'WWW-Authenticate'],
    credentials: false,
    maxAge: 600,
  };
}
