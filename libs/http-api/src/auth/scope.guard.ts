import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { principalOf } from './api-key.middleware';
import { forbiddenScope, undeclaredRoute, unauthenticated } from './auth.problems';
import { routeAccess, type RouteAccess } from './route-access';

/**
 * The global guard: a route is reachable only as it declares, with @Public() or @RequiresScope(). A route
 * that declares nothing is refused (closed by default), and the route-walk e2e test fails on it.
 */
@Injectable()
export class ScopeGuard implements CanActivate {
  private readonly logger = new Logger('Access');
  /**
   * Declarations are fixed at boot: read once per route (controller and handler: an inherited handler may
   * serve two controllers), not through the reflector on every request.
   */
  private readonly accessByRoute = new WeakMap<object, WeakMap<object, RouteAccess>>();

  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const access = this.accessOf(context);
    if (access.kind === 'public') return true;
    const req = context.switchToHttp().getRequest<Request>();
    const principal = principalOf(req);
    if (!principal) throw unauthenticated('Send an API key: Authorization: Bearer <key>', false);
    if (access.kind === 'undeclared') {
      this.logger.error(`${context.getClass().name}.${context.getHandler().name} declares no scope`);
      throw undeclaredRoute();
    }
    const missing = access.scopes.filter((scope) => !principal.scopes.has(scope));
    if (missing.length > 0) throw forbiddenScope(missing);
    return true;
  }

  private accessOf(context: ExecutionContext): RouteAccess {
    const handler = context.getHandler();
    const controller = context.getClass();
    let byHandler = this.accessByRoute.get(controller);
    if (!byHandler) this.accessByRoute.set(controller, (byHandler = new WeakMap()));
    let access = byHandler.get(handler);
    if (!access) byHandler.set(handler, (access = routeAccess(this.reflector, handler, controller)));
    return access;
  }
}
