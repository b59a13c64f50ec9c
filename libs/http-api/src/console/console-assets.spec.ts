import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NextFunction, Request, Response } from 'express';
import { defaultConsoleDir, loadConsoleAssets } from './console-assets';
import { serveConsole } from './console.module';

describe('console assets', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'console-assets-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html>');
    writeFileSync(join(dir, 'app.js'), 'export {};');
    writeFileSync(join(dir, 'notes.md'), 'not served');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the repository folder from the source tree', () => {
    const found = defaultConsoleDir();
    expect(found).toMatch(/libs[/\\]http-api[/\\]console$/);
    expect([...loadConsoleAssets(found!).keys()]).toEqual(
      expect.arrayContaining(['/', '/app.js', '/console.css']),
    );
  });

  it('serves only files of a known type, and the page at the root', () => {
    const assets = loadConsoleAssets(dir);
    expect([...assets.keys()].sort()).toEqual(['/', '/app.js', '/index.html']);
    expect(assets.get('/')!.contentType).toBe('text/html; charset=utf-8');
    expect(assets.get('/app.js')!.contentType).toBe('text/javascript; charset=utf-8');
  });

  describe('the middleware', () => {
    const call = (method: string, path: string) => {
      const sent: { status?: number; headers: Record<string, unknown>; body?: unknown; next: boolean } = {
        headers: {},
        next: false,
      };
      const res = {
        setHeader: (name: string, value: unknown) => (sent.headers[name] = value),
        status: (code: number) => {
          sent.status = code;
          return { end: (body?: unknown) => (sent.body = body) };
        },
      } as unknown as Response;
      serveConsole(loadConsoleAssets(dir))({ method, path } as Request, res, (() => {
        sent.next = true;
      }) as NextFunction);
      return sent;
    };

    it('answers GET with the file and its type', () => {
      const sent = call('GET', '/app.js');
      expect(sent).toMatchObject({ status: 200, next: false });
      expect(sent.headers['Content-Type']).toBe('text/javascript; charset=utf-8');
      expect(String(sent.body)).toBe('export {};');
    });

    it('answers HEAD without a body', () => {
      expect(call('HEAD', '/')).toMatchObject({ status: 200, body: undefined });
    });

    it('passes on other methods, unknown files and paths out of the folder (the API answers 404)', () => {
      for (const [method, path] of [
        ['POST', '/app.js'],
        ['GET', '/notes.md'],
        ['GET', '/../package.json'],
        ['GET', '/missing.js'],
      ]) {
        expect(call(method, path)).toEqual({ next: true, headers: {} });
      }
    });
  });
});
