import type { INestApplication } from '@nestjs/common';
import {
  DocumentBuilder,
  SwaggerModule,
  type OpenAPIObject,
  type OperationObject,
  type PathItemObject,
  type ResponseObject,
} from '@nestjs/swagger';
import { problemContent } from './api-problems.decorator';
import { PROBLEM_SCHEMA, PROBLEM_SCHEMA_NAME } from './openapi-schemas';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Failures any route can answer, whatever its handler does: the middleware in front of every route. */
const EVERY_ROUTE: Record<string, string> = {
  503: 'REQUEST_TIMEOUT: the answer took longer than REQUEST_TIMEOUT_MS (Retry-After)',
};
/** Failures of routes that need an API key (authentication and rate limits run before the handler). */
const PROTECTED_ROUTE: Record<string, string> = {
  401: 'UNAUTHENTICATED: no valid API key (WWW-Authenticate: Bearer)',
  403: 'FORBIDDEN_SCOPE: the key lacks a scope this route needs',
  429: 'RATE_LIMITED: too many requests for this key (Retry-After)',
};
/** Failures of routes that read a body (the JSON parser runs before the handler). */
const BODY_ROUTE: Record<string, string> = {
  400: 'MALFORMED_JSON, MALFORMED_CONTENT_ENCODING or VALIDATION_FAILED (errors[].path names the field)',
  413: 'PAYLOAD_TOO_LARGE: the body exceeds MAX_BODY_BYTES',
  415: 'UNSUPPORTED_MEDIA_TYPE, UNSUPPORTED_ENCODING or UNSUPPORTED_CHARSET',
};

/**
 * The OpenAPI document served at /docs/openapi.json: the controllers' decorators, then what the middleware
 * adds to every route, so that the document lists every status the server can answer, each failure with the
 * problem+json schema.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('CRM lifecycle events API')
      .setDescription(
        'Publish customer lifecycle events (validated, idempotent by eventId, optimistic concurrency by ' +
          'expectedRevision) and read customer timelines. Errors are application/problem+json with a stable code.',
      )
      .setVersion('1')
      // An opaque API key, not a JWT: no bearerFormat.
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key: crm_<id>_<secret>' })
      .build(),
  );
  const bearer = document.components?.securitySchemes?.bearer;
  if (bearer && 'bearerFormat' in bearer) delete bearer.bearerFormat;
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, [PROBLEM_SCHEMA_NAME]: PROBLEM_SCHEMA },
  };
  for (const item of Object.values(document.paths) as PathItemObject[]) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation) completeResponses(operation);
    }
  }
  return document;
}

function completeResponses(operation: OperationObject): void {
  const isProtected = (operation.security ?? []).length > 0;
  const common = {
    ...EVERY_ROUTE,
    ...(isProtected ? PROTECTED_ROUTE : {}),
    ...(operation.requestBody ? BODY_ROUTE : {}),
  };
  for (const [status, description] of Object.entries(common)) {
    operation.responses[status] ??= { description };
  }
  for (const [status, response] of Object.entries(operation.responses)) {
    const answer = response as ResponseObject;
    if (Number(status) >= 400 && !answer.content) answer.content = problemContent();
  }
}
