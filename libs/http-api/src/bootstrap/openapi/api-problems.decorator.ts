import { applyDecorators } from '@nestjs/common';
import { ApiQuery, ApiResponse, type LinkObject } from '@nestjs/swagger';
import { PROBLEM_MEDIA_TYPE, PROBLEM_SCHEMA_NAME, type SchemaObject } from './openapi-schemas';

const PROBLEM_CONTENT = {
  [PROBLEM_MEDIA_TYPE]: { schema: { $ref: `#/components/schemas/${PROBLEM_SCHEMA_NAME}` } },
};

/** The problem+json content of a failure response (the Problem schema is added by the document builder). */
export const problemContent = () => PROBLEM_CONTENT;

/**
 * Declares the failures a route answers with, by status, each an application/problem+json body:
 * `@ApiProblems({ 404: 'CUSTOMER_NOT_FOUND', 422: 'NOT_ENOUGH_DATA: ...' })`. The failures every route
 * shares (authentication, rate limit, timeout, body parsing) are added once by the document builder.
 */
export const ApiProblems = (problems: Readonly<Record<number, string>>) =>
  applyDecorators(
    ...Object.entries(problems).map(([status, description]) =>
      ApiResponse({ status: Number(status), description, content: PROBLEM_CONTENT }),
    ),
  );

/**
 * An OpenAPI link: the operation at `method path` takes its parameters from this answer (runtime expressions
 * such as `$response.body#/items/0/customerId`). Clients and stateful tests follow them.
 */
export const linkTo = (method: string, path: string, parameters: Record<string, string>): LinkObject => ({
  operationRef: `#/paths/${path.replace(/~/g, '~0').replace(/\//g, '~1')}/${method}`,
  parameters,
});

/** A JSON success answer with its schema, and the operations its values lead to. */
export const ApiJsonAnswer = (
  status: number,
  description: string,
  schema: SchemaObject,
  links?: Record<string, LinkObject>,
) =>
  ApiResponse({
    status,
    description,
    content: { 'application/json': { schema } },
    ...(links ? { links } : {}),
  });

/** A query parameter with a real schema (what the server accepts, exactly). */
export const ApiQueryParam = (
  name: string,
  schema: SchemaObject,
  { required = false, description }: { required?: boolean; description?: string } = {},
) => ApiQuery({ name, required, schema, ...(description !== undefined ? { description } : {}) });
