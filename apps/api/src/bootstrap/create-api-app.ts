import { AppConfig } from '@crm/config';
import { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { json, NextFunction, Request, Response } from 'express';
import { AppModule } from '../app.module';
import { ProblemDetailsFilter } from '../problems/problem-details.filter';

const CORRELATION_HEADER = 'x-correlation-id';

/** Builds the HTTP app exactly as production runs it; tests use this too. */
export async function createApiApp(
  config: AppConfig,
  options: { logger?: false; extraModules?: DynamicModule['imports'] } = {},
): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, options.extraModules),
    {
      bodyParser: false,
      ...(options.logger === false ? { logger: false } : {}),
    },
  );
  const problems = new ProblemDetailsFilter();
  app.disable('x-powered-by');
  app.use((req: Request, res: Response, next: NextFunction) => {
    const given = req.header(CORRELATION_HEADER);
    res.setHeader(CORRELATION_HEADER, given && given.length <= 128 ? given : randomUUID());
    next();
  });
  app.use(
    json({ limit: config.MAX_BODY_BYTES, type: ['application/json', 'application/*+json'], strict: false }),
  );
  app.use(problems.middleware);
  app.useGlobalFilters(problems);
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('CRM lifecycle events API')
      .setDescription(
        'Publish customer lifecycle events (validated, idempotent by eventId, optimistic concurrency by ' +
          'expectedRevision) and read customer timelines. Errors are application/problem+json with a stable code.',
      )
      .setVersion('1')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}
