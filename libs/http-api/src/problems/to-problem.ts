import { AnalyticsQueryError } from '@crm/analytics';
import { DomainError } from '@crm/domain';
import {
  EventStoreUnavailableError,
  PartialDuplicateAppendError,
  WrongExpectedRevisionError,
} from '@crm/event-store';
import { InvalidListQueryError, isReadModelUnavailable } from '@crm/read-model';
import { HttpException, HttpStatus } from '@nestjs/common';
import { analyticsProblem } from '../analytics/analytics-problems';
import { ApiProblem } from './api-problem';

/** body-parser's errors carry a `type`; these are the client's fault, not ours. */
const BODY_PARSER_PROBLEMS: Record<string, [number, string, string]> = {
  'entity.parse.failed': [400, 'MALFORMED_JSON', 'The request body is not valid JSON'],
  'entity.too.large': [413, 'PAYLOAD_TOO_LARGE', 'The request body is too large'],
  'encoding.unsupported': [415, 'UNSUPPORTED_ENCODING', 'The content encoding is not supported'],
  'charset.unsupported': [415, 'UNSUPPORTED_CHARSET', 'The charset is not supported'],
  'request.aborted': [400, 'REQUEST_ABORTED', 'The request was aborted'],
  'request.size.invalid': [400, 'MALFORMED_BODY', 'The request size did not match Content-Length'],
};

const HTTP_CODES: Partial<Record<number, [string, string]>> = {
  [HttpStatus.NOT_FOUND]: ['ROUTE_NOT_FOUND', 'No such route'],
  [HttpStatus.METHOD_NOT_ALLOWED]: ['METHOD_NOT_ALLOWED', 'Method not allowed'],
  [HttpStatus.PAYLOAD_TOO_LARGE]: ['PAYLOAD_TOO_LARGE', 'The request body is too large'],
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: ['UNSUPPORTED_MEDIA_TYPE', 'Unsupported media type'],
  [HttpStatus.BAD_REQUEST]: ['BAD_REQUEST', 'Bad request'],
  [HttpStatus.UNAUTHORIZED]: ['UNAUTHORIZED', 'Unauthorized'],
  [HttpStatus.FORBIDDEN]: ['FORBIDDEN', 'Forbidden'],
  [HttpStatus.TOO_MANY_REQUESTS]: ['RATE_LIMITED', 'Too many requests'],
  [HttpStatus.SERVICE_UNAVAILABLE]: ['SERVICE_UNAVAILABLE', 'Service unavailable'],
};

/** Maps any error to the problem the client sees. Unknown errors become a bare 500: no internals leak. */
export function toProblem(error: unknown): ApiProblem {
  if (error instanceof ApiProblem) return error;
  if (error instanceof DomainError) {
    return new ApiProblem(422, error.code, 'Lifecycle rule broken', error.message, [
      { code: error.code, message: error.message, ...(error.field ? { path: `$.${error.field}` } : {}) },
    ]);
  }
  if (error instanceof WrongExpectedRevisionError) {
    return new ApiProblem(
      409,
      error.code,
      'Expected revision conflict',
      error.message,
      undefined,
      {},
      {
        expectedRevision: error.expected,
        actualRevision: error.actual,
      },
    );
  }
  if (error instanceof PartialDuplicateAppendError) {
    return new ApiProblem(409, error.code, 'Event id already used', error.message);
  }
  if (error instanceof AnalyticsQueryError) return analyticsProblem(error);
  if (error instanceof InvalidListQueryError) {
    return new ApiProblem(400, 'VALIDATION_FAILED', 'Invalid query parameter', undefined, [
      { path: `$query.${error.field}`, code: 'INVALID_FIELD', message: error.message },
    ]);
  }
  if (error instanceof EventStoreUnavailableError) {
    return new ApiProblem(
      503,
      error.code,
      'Event store unavailable',
      'Nothing was appended; retry later',
      undefined,
      {
        'Retry-After': '5',
      },
    );
  }
  if (isReadModelUnavailable(error)) {
    // The read model's database is down or restarting: reads come back by themselves, appends still work.
    return new ApiProblem(503, 'READ_MODEL_UNAVAILABLE', 'Read model unavailable', 'Retry later', undefined, {
      'Retry-After': '5',
    });
  }
  const parserType = (error as { type?: unknown } | null)?.type;
  if (typeof parserType === 'string' && BODY_PARSER_PROBLEMS[parserType]) {
    const [status, code, title] = BODY_PARSER_PROBLEMS[parserType];
    return new ApiProblem(status, code, title);
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const [code, title] = HTTP_CODES[status] ?? [`HTTP_${status}`, error.message];
    return new ApiProblem(status, code, title, status < 500 ? error.message : undefined);
  }
  return new ApiProblem(
    500,
    'INTERNAL_ERROR',
    'Internal server error',
    'The error was logged; nothing leaked here',
  );
}
