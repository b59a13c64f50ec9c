import { INestApplication, RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { RouteAccess, routeAccess } from './route-access';

export interface RouteEntry {
  /** Upper-case HTTP method, as Express lists it. */
  readonly method: string;
  /** Express path, e.g. `/v1/customers/:customerId`. */
  readonly path: string;
  readonly handler: string;
  readonly access: RouteAccess;
}

function joinPath(...parts: string[]): string {
  const joined = parts
    .flatMap((p) => p.split('/'))
    .filter((segment) => segment.length > 0)
    .join('/');
  return `/${joined}`;
}

function asList(value: string | string[] | undefined): string[] {
  if (value === undefined) return ['/'];
  return Array.isArray(value) ? value : [value];
}

/**
 * Every route the app's controllers register, with its access declaration, read from the same metadata
 * Nest routes by. The access-control e2e test checks it against the Express router's own list.
 */
export function listRoutes(app: INestApplication): RouteEntry[] {
  const reflector = app.get(Reflector);
  const scanner = new MetadataScanner();
  const routes: RouteEntry[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type<unknown> | undefined;
      if (!controller?.prototype) continue;
      const prefixes = asList(Reflect.getMetadata(PATH_METADATA, controller));
      for (const name of scanner.getAllMethodNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name] as object;
        const paths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        if (paths === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
        for (const prefix of prefixes) {
          for (const path of asList(paths)) {
            routes.push({
              method,
              path: joinPath(prefix, path),
              handler: `${controller.name}.${name}`,
              access: routeAccess(reflector, handler, controller),
            });
          }
        }
      }
    }
  }
  return routes;
}
