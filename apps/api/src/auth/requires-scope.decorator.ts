import { SetMetadata } from '@nestjs/common';

/** The scopes an API key can carry; `admin` grants nothing implicitly except /v1/admin/** routes. */
export type Scope = 'events:write' | 'customers:read' | 'analytics:read' | 'admin';

export const ALL_SCOPES: readonly Scope[] = ['events:write', 'customers:read', 'analytics:read', 'admin'];

/** Metadata keys read by the global API-key guard. */
export const REQUIRED_SCOPES_KEY = 'crm:requiredScopes';
export const PUBLIC_ROUTE_KEY = 'crm:publicRoute';

/**
 * Declares the scopes a caller's key must carry (all of them) to reach a handler or controller.
 * Every route must carry either this or {@link Public}; the global guard refuses undeclared routes.
 */
export const RequiresScope = (...scopes: Scope[]) => SetMetadata(REQUIRED_SCOPES_KEY, scopes);

/** Marks a route as reachable without a key; only health and the API docs should use it. */
export const Public = () => SetMetadata(PUBLIC_ROUTE_KEY, true);
