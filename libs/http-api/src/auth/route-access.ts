import type { Reflector } from '@nestjs/core';
import { PUBLIC_ROUTE_KEY, REQUIRED_SCOPES_KEY, Scope } from './requires-scope.decorator';

export type RouteAccess =
  | { readonly kind: 'public' }
  | { readonly kind: 'scopes'; readonly scopes: readonly Scope[] }
  | { readonly kind: 'undeclared' };

type Target = object;

function declared(reflector: Reflector, target: Target): RouteAccess | undefined {
  if (reflector.get<boolean>(PUBLIC_ROUTE_KEY, target as never)) return { kind: 'public' };
  const scopes = reflector.get<Scope[] | undefined>(REQUIRED_SCOPES_KEY, target as never);
  return scopes && scopes.length > 0 ? { kind: 'scopes', scopes } : undefined;
}

/** What a handler declares; a handler's own declaration wins over its controller's. */
export function routeAccess(reflector: Reflector, handler: Target, controller: Target): RouteAccess {
  return declared(reflector, handler) ?? declared(reflector, controller) ?? { kind: 'undeclared' };
}
