import type { ForwardedEngine } from '@crm/analytics';
import { AppConfig, JsonLogger, runWithCorrelationId } from '@crm/config';
import { DynamicModule, INestApplication, Logger, type LoggerService } from '@nestjs/common';
import { NestFactory, Reflector } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { json, NextFunction, Request, Response } from 'express';
import { AppModule } from '../app.module';
import { authenticateApiKey } from '../auth/api-key.middleware';
import { listRoutes } from '../auth/route-inventory';
import { ApiKeyRegistry } from '../auth/api-key.registry';
import { resolveApiKeys } from '../auth/dev-api-key';
import { ScopeGuard } from '../auth/scope.guard';
import { TokenBucketLimiter } from '../auth/token-bucket.limiter';
import { SqlEntrance } from '../analytics-sql/sql-entrance.server';
import { ProblemDetailsFilter } from '../problems/problem-details.filter';
import { bodyDecodingProblems } from './body-decoding.problems';
import { corsOptions } from './cors.options';
import { methodNotAllowed } from './method-not-allowed.middleware';
import { buildOpenApiDocument } from './openapi/openapi-document';
import { requestTimeout } from './request-timeout.middleware';
import { securityHeaders } from './security-headers.middleware';

const CORRELATION_HEADER = 'x-correlation-id';

/** Builds the HTTP app exactly as production runs it; tests use this too. */
export async function createApiApp(
  config: AppConfig,
  options: {
    logger?: false | LoggerService;
    extraModules?: DynamicModule['imports'];
    /**
     * `elsewhere`: the split deployment's API, which leaves the embedded analytics engine to the worker. A
     * ForwardedEngine: `crm serve`'s API, which reaches the engine in its worker process.
     */
    analyticsEngine?: 'open' | 'elsewhere' | ForwardedEngine;
  } = {},
): Promise<INestApplication> {
  // LOG_FORMAT=json (the default in production): one JSON object per line, with the correlation id.
  const logger =
    options.logger ?? (config.logFormat === 'json' ? new JsonLogger({ level: config.LOG_LEVEL }) : undefined);
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, options.extraModules, { analyticsEngine: options.analyticsEngine }),
    {
      bodyParser: false,
      ...(logger !== undefined ? { logger } : {}),
    },
  );
  const problems = new ProblemDetailsFilter();
  const keys = new ApiKeyRegistry(resolveApiKeys(config).entries, {
    perSecond: config.RATE_LIMIT_PER_SECOND,
    burst: config.RATE_LIMIT_BURST,
  });
  app.disable('x-powered-by');
  // Order matters: every answer (even a 401) gets a correlation id and the security headers; CORS
  // preflights are answered before authentication (they carry no key); keys and rate limits are checked
  // before any body is read.
  app.use((req: Request, res: Response, next: NextFunction) => {
    const given = req.header(CORRELATION_HEADER);
    const correlationId = given && given.length <= 128 ? given : randomUUID();
    res.setHeader(CORRELATION_HEADER, correlationId);
    // Everything the request causes runs in its context: its log lines carry the id.
    runWithCorrelationId(correlationId, next);
  });
  if (config.logFormat === 'json') app.use(accessLog());
  app.use(securityHeaders());
  if (config.corsOrigins) app.enableCors(corsOptions(config.corsOrigins));
  app.use(requestTimeout(config.REQUEST_TIMEOUT_MS, problems.middleware));
  const limiter = new TokenBucketLimiter();
  app.use(authenticateApiKey(keys, limiter));
  app.get(SqlEntrance).authenticateWith(keys, limiter);
  app.use(methodNotAllowed(listRoutes(app)));
  app.use(
    json({ limit: config.MAX_BODY_BYTES, type: ['application/json', 'application/*+json'], strict: false }),
  );
  app.use(bodyDecodingProblems());
  app.use(problems.middleware);
  app.useGlobalFilters(problems);
  app.useGlobalGuards(new ScopeGuard(app.get(Reflector)));
  boundServerTimeouts(app, config.REQUEST_TIMEOUT_MS);
  app.enableShutdownHooks();

  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}

/** One line per answered request (JSON logs only: collectors want it, a developer's terminal does not). */
function accessLog() {
  const logger = new Logger('HTTP');
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    const correlationId = String(res.getHeader(CORRELATION_HEADER));
    res.once('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      runWithCorrelationId(correlationId, () =>
        logger.log(`${req.method} ${req.originalUrl} ${res.statusCode} ${ms.toFixed(1)} ms`),
      );
    });
    next();
  };
}

/**
 * Node's own limits, for what never reaches the middleware: a client trickling headers or a body. They sit
 * just above the application's timeout so that, normally, the 503 problem answers first.
 */
function boundServerTimeouts(app: INestApplication, timeoutMs: number): void {
  const server = app.getHttpServer() as Server;
  server.headersTimeout = Math.min(server.headersTimeout, timeoutMs + 1_000);
  server.requestTimeout = timeoutMs + 1_000;
}
