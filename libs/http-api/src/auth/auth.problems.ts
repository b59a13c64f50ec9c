import { ApiProblem } from '../problems/api-problem';
import type { Scope } from './requires-scope.decorator';

/**
 * The three refusals of access control. 401 carries WWW-Authenticate (RFC 6750): `invalid_token` when a
 * token was sent but is not a valid key, no error code when none was sent.
 */
export function unauthenticated(detail: string, tokenSent: boolean): ApiProblem {
  const challenge = tokenSent ? 'Bearer realm="crm", error="invalid_token"' : 'Bearer realm="crm"';
  return new ApiProblem(401, 'UNAUTHENTICATED', 'Authentication required', detail, undefined, {
    'WWW-Authenticate': challenge,
  });
}

export function forbiddenScope(missing: readonly Scope[]): ApiProblem {
  return new ApiProblem(
    403,
    'FORBIDDEN_SCOPE',
    'Missing scope',
    `This API key lacks the scope${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
    undefined,
    {},
    { missingScopes: missing },
  );
}

/** A route that declares neither scopes nor @Public(): refused to everyone until someone declares it. */
export function undeclaredRoute(): ApiProblem {
  return new ApiProblem(
    403,
    'SCOPE_UNDECLARED',
    'Route declares no scope',
    'This route has no access declaration; it is refused until it gets one',
  );
}

export function rateLimited(retryAfterSeconds: number): ApiProblem {
  return new ApiProblem(
    429,
    'RATE_LIMITED',
    'Too many requests',
    `This API key is over its rate limit; retry in ${retryAfterSeconds} s`,
    undefined,
    { 'Retry-After': String(retryAfterSeconds) },
  );
}
