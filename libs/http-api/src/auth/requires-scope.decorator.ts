import { API_SCOPES, ApiScope } from '@crm/config';
import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';

/** The scopes an API key can carry. `admin` does not imply the others: each key gets what it needs. */
export type Scope = ApiScope;

export const ALL_SCOPES: readonly Scope[] = API_SCOPES;

/** Metadata keys read by the global scope guard and the route inventory. */
export const REQUIRED_SCOPES_KEY = 'crm:requiredScopes';
export const PUBLIC_ROUTE_KEY = 'crm:publicRoute';

/**
 * Declares the scopes a caller's key must carry (all of them) to reach a handler or a whole controller.
 * Every route must carry either this or {@link Public}: the global guard refuses undeclared routes.
 */
export const RequiresScope = (...scopes: Scope[]) =>
  applyDecorators(
    SetMetadata(REQUIRED_SCOPES_KEY, scopes),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'UNAUTHENTICATED: no valid API key (WWW-Authenticate: Bearer)' }),
    ApiForbiddenResponse({ description: `FORBIDDEN_SCOPE: the key lacks ${scopes.join(', ')}` }),
  );

/** Marks a route as reachable without a key; only health and the API docs are. */
export const Public = () => SetMetadata(PUBLIC_ROUTE_KEY, true);
