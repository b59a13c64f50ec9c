import { Logger, Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import { ConsoleAsset, defaultConsoleDir, loadConsoleAssets } from './console-assets';

/** Where the web console is served. Its files are public (they hold no data); the data needs an API key. */
export const CONSOLE_PATH = '/console';

/**
 * Serves the read-only web console's static files. They are Express middleware, not Nest routes: they hold
 * no data, so they sit outside the route inventory every data route is checked against (like /docs). Added
 * once the controllers' routes are registered and before Nest's not-found handler, so an unknown file under
 * the prefix still gets the API's 404 problem.
 */
@Module({})
export class ConsoleModule implements OnModuleInit {
  private readonly logger = new Logger('Console');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    // An application context without HTTP (crm status, crm replay) composes the same modules: nothing to serve.
    const http = this.adapterHost.httpAdapter;
    if (!http) return;
    const dir = defaultConsoleDir();
    if (dir === undefined) {
      this.logger.warn(`No libs/http-api/console folder found: the web console at ${CONSOLE_PATH} is off`);
      return;
    }
    http.use(CONSOLE_PATH, serveConsole(loadConsoleAssets(dir)));
  }
}

export function serveConsole(assets: ReadonlyMap<string, ConsoleAsset>) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const asset = assets.get(req.path);
    if (asset === undefined) return next();
    res.setHeader('Content-Type', asset.contentType);
    res.setHeader('Content-Length', asset.body.length);
    res.status(200).end(req.method === 'HEAD' ? undefined : asset.body);
  };
}
