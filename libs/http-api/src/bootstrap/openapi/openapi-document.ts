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
  closeRequestSchemas(document);
  return document;
}

/**
 * Request bodies are closed contracts: the server refuses a field it does not know (UNKNOWN_FIELD), so every
 * object schema a request body reaches says additionalProperties: false. Free-form maps (attributes) are
 * inline objects, not named schemas, and stay open.
 */
/** class-validator's @IsOptional() takes null as absent, so an optional property of a request admits null. */
function admitNullForOptional(schema: Record<string, unknown>): void {
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  for (const [name, property] of Object.entries(properties)) {
    if (required.has(name)) continue;
    properties[name] = property.$ref
      ? { allOf: [property], nullable: true }
      : { ...property, nullable: true };
  }
}

function closeRequestSchemas(document: OpenAPIObject): void {
  const schemas = (document.components?.schemas ?? {}) as Record<string, Record<string, unknown>>;
  const pending: string[] = [];
  const collectRefs = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(collectRefs);
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string')
        pending.push(value.replace('#/components/schemas/', ''));
      else collectRefs(value);
    }
  };
  for (const item of Object.values(document.paths) as PathItemObject[]) {
    for (const method of METHODS) collectRefs(item[method]?.requestBody);
  }
  const closed = new Set<string>();
  while (pending.length > 0) {
    const name = pending.pop() as string;
    const schema = schemas[name];
    if (!schema || closed.has(name)) continue;
    closed.add(name);
    if (schema.properties && schema.additionalProperties === undefined) schema.additionalProperties = false;
    admitNullForOptional(schema);
    collectRefs(schema);
  }
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
