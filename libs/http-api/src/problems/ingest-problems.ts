import type { CustomerFailure, IngestProblem, PublishOutcome, ValidationOutcome } from '@crm/ingest';
import type { Request } from 'express';
import { ApiProblem } from './api-problem';

/** The write endpoints take JSON (`application/json` or a `+json` type): anything else is 415. */
export function requireJsonBody(req: Request): void {
  if (!req.is('application/json') && !req.is('application/*+json')) {
    throw new ApiProblem(415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported media type', 'Send application/json');
  }
}

/** 400 with every problem found in a write endpoint's body (nothing was appended). */
export function invalidBodyProblem(title: string, errors: readonly IngestProblem[]): ApiProblem {
  return new ApiProblem(
    400,
    'VALIDATION_FAILED',
    title,
    `${errors.length} problem(s); nothing was appended`,
    errors,
  );
}

/** A refused publish body: 413 for a batch over the limit, else 400 with every problem found. */
export function validationProblem(
  outcome: Extract<ValidationOutcome, { ok: false }>,
  maxBatchEvents: number,
): ApiProblem {
  if (outcome.tooMany !== undefined) {
    return new ApiProblem(
      413,
      'BATCH_TOO_LARGE',
      'Batch too large',
      `${outcome.tooMany} events; at most ${maxBatchEvents} per request`,
    );
  }
  return invalidBodyProblem('Invalid event', outcome.errors);
}

/**
 * The problem for a publish that appended nothing: lifecycle rules broken (422), or every customer failed
 * (409 when all conflicted, else 422). A single event answers with its own code; a batch with a summary
 * code and each event's code in `errors`. Undefined when something was appended (201, or 207 with failures).
 */
export function publishProblem(outcome: PublishOutcome, single: boolean): ApiProblem | undefined {
  if (outcome.kind === 'rejected') return lifecycleProblem(outcome.problems, single);
  if (outcome.failures.length === 0 || outcome.results.length > 0) return undefined;
  return failuresProblem(outcome.failures, single);
}

/** A failure as the 207 body lists it. */
export const toFailureBody = (f: CustomerFailure) => ({
  customerId: f.customerId,
  indexes: f.indexes,
  code: f.code,
  message: f.message,
  ...(f.actualRevision !== undefined ? { actualRevision: f.actualRevision } : {}),
});

function lifecycleProblem(problems: readonly IngestProblem[], single: boolean): ApiProblem {
  if (single) {
    const { index: _index, ...only } = problems[0];
    return new ApiProblem(422, only.code, 'Lifecycle rule broken', only.message, [only]);
  }
  return new ApiProblem(
    422,
    'LIFECYCLE_RULE_BROKEN',
    'Lifecycle rule broken',
    `${problems.length} event(s) break lifecycle rules; nothing was appended`,
    problems,
  );
}

function failuresProblem(failures: readonly CustomerFailure[], single: boolean): ApiProblem {
  const first = failures[0];
  const status = failures.every((f) => f.kind === 'conflict') ? 409 : 422;
  const errors = failures.flatMap((f) =>
    f.indexes.map((index) => ({
      ...(single ? {} : { index }),
      customerId: f.customerId,
      code: f.code,
      message: f.message,
    })),
  );
  return new ApiProblem(
    status,
    single ? first.code : status === 409 ? 'REVISION_CONFLICT' : 'LIFECYCLE_RULE_BROKEN',
    status === 409 ? 'Expected revision conflict' : 'Lifecycle rule broken',
    single ? first.message : 'No customer stream could be appended; nothing was appended',
    errors,
    {},
    first.actualRevision !== undefined && single ? { actualRevision: first.actualRevision } : {},
  );
}
