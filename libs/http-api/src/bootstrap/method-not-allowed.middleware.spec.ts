import type { NextFunction, Request, Response } from 'express';
import { ApiProblem } from '../problems/api-problem';
import { methodNotAllowed } from './method-not-allowed.middleware';

const routes = [
  { method: 'GET', path: '/v1/customers/:customerId' },
  { method: 'GET', path: '/v1/customers' },
  { method: 'POST', path: '/v1/events' },
  { method: 'DELETE', path: '/v1/customers/:customerId/personal-data' },
  { method: 'GET', path: '/docs/openapi.json' },
];

/** What the middleware passed on: nothing (the request goes on) or the 405 problem. */
function outcome(method: string, path: string): ApiProblem | 'next' {
  let passed: unknown = 'unset';
  const next: NextFunction = (error?: unknown) => {
    passed = error ?? 'next';
  };
  methodNotAllowed(routes)({ method, path } as Request, {} as Response, next);
  return passed as ApiProblem | 'next';
}

describe('methodNotAllowed', () => {
  it.each([
    ['GET', '/v1/customers/c-1'],
    ['GET', '/v1/customers/c-1/'],
    ['HEAD', '/v1/customers/c-1'],
    ['GET', '/v1/customers'],
    ['POST', '/v1/events'],
    ['DELETE', '/v1/customers/c-1/personal-data'],
    ['GET', '/docs/openapi.json'],
  ])('lets %s %s through (a route serves it)', (method, path) => {
    expect(outcome(method, path)).toBe('next');
  });

  it.each([
    ['GET', '/v1/nothing-here'],
    ['GET', '/v1/customers/c-1/x/y'],
    ['GET', '/docs/openapiXjson'],
    ['POST', '/v1/customers//'],
  ])('leaves %s %s to the 404 (no route has the path)', (method, path) => {
    expect(outcome(method, path)).toBe('next');
  });

  it.each([
    ['POST', '/v1/customers/c-1', 'GET, HEAD'],
    ['GET', '/v1/events', 'POST'],
    ['PUT', '/v1/customers/c-1/personal-data', 'DELETE'],
  ])('answers %s %s with 405 and Allow: %s', (method, path, allow) => {
    const problem = outcome(method, path);
    expect(problem).toBeInstanceOf(ApiProblem);
    expect(problem).toMatchObject({ status: 405, code: 'METHOD_NOT_ALLOWED' });
    expect((problem as ApiProblem).headers).toEqual({ Allow: allow });
  });
});
