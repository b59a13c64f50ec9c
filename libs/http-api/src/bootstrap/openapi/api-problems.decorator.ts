import { applyDecorators } from '@nestjs/common';
import { ApiQuery, ApiResponse } from '@nestjs/swagger';
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

/** A JSON success answer with its schema. */
export const ApiJsonAnswer = (status: number, description: string, schema: SchemaObject) =>
  ApiResponse({ status, description, content: { 'application/json': { schema } } });

/** A query parameter with a real schema (what the server accepts, exactly). */
export const ApiQueryParam = (
  name: string,
  schema: SchemaObject,
  { required = false, description }: { required?: boolean; description?: string } = {},
) => ApiQuery({ name, required, schema, ...(description !== undefined ? { description } : {}) });
