import type { ApiKeyEntry, ApiScope } from '@crm/config';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { mintApiKey } from '@crm/http-api';
import { DEV_KEY_FILE } from '@crm/http-api';
import { ALL_SCOPES } from '@crm/http-api';
import { listRoutes, RouteEntry } from '@crm/http-api';
import { keysCommand } from '../../apps/cli/src/commands/keys.command';
import { ApiHarness, startApi } from '../support/api-harness';
import { acquiredEvent } from '../support/event-fixtures';

/** The only routes reachable without a key: readiness and the API's own documentation. */
const PUBLIC_NEST_ROUTES = ['GET /health'];
const isDocsPath = (path: string) =>
  path === '/docs' || path.startsWith('/docs/') || path.startsWith('/docs-');

const PROBLEM_JSON = /application\/problem\+json/;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const keysEnv = (...entries: ApiKeyEntry[]) => ({ API_KEYS: JSON.stringify(entries) });

/** A request path for a route pattern: every `:param` filled with a harmless value. */
const concrete = (path: string) => path.replace(/:[A-Za-z0-9_]+/g, 'c-route-walk');

function send(
  api: ApiHarness,
  route: { method: string; path: string },
  headers: Record<string, string> = {},
) {
  const agent = request(api.http);
  const method = route.method.toLowerCase() as
    'get' | 'post' | 'put' | 'patch' | 'delete' | 'head' | 'options';
  return agent[method](concrete(route.path)).set(headers);
}

/** Routes as Express itself will dispatch them: the ground truth the inventory is checked against. */
function expressRoutes(api: ApiHarness): { method: string; path: string }[] {
  const stack = (api.app.getHttpAdapter().getInstance() as { router: { stack: unknown[] } }).router.stack;
  return stack.flatMap((layer) => {
    const route = (layer as { route?: { path: string; methods: Record<string, boolean> } }).route;
    if (!route) return [];
    return Object.keys(route.methods)
      .filter((m) => m !== '_all')
      .map((m) => ({ method: m.toUpperCase(), path: route.path }));
  });
}

const all = mintApiKey('all', ALL_SCOPES);
const writer = mintApiKey('writer', ['events:write']);
const reader = mintApiKey('reader', ['customers:read']);
const admin = mintApiKey('ops', ['admin']);

// One app at a time: the embedded ClickHouse engine serves one data directory per process.
describe('access control', () => {
  /** For each scope, a key with every other scope. */
  const allBut = new Map(
    ALL_SCOPES.map((scope) => [
      scope,
      mintApiKey(
        `all-but-${scope.replace(':', '-')}`,
        ALL_SCOPES.filter((s) => s !== scope),
      ),
    ]),
  );
  let api: ApiHarness;

  beforeAll(async () => {
    const entries = [all, writer, reader, admin, ...allBut.values()].map((k) => k.entry);
    api = await startApi(keysEnv(...entries), { sendKey: false });
  });
  afterAll(() => api.close());

  describe('route walk', () => {
    let routes: RouteEntry[];
    beforeAll(() => {
      routes = listRoutes(api.app);
    });

    it('lists exactly the routes Express dispatches, besides the docs', () => {
      const fromExpress = expressRoutes(api)
        .filter((r) => !isDocsPath(r.path))
        .map((r) => `${r.method} ${r.path}`)
        .sort();
      const fromInventory = routes.map((r) => `${r.method} ${r.path}`).sort();
      expect(fromInventory.length).toBeGreaterThanOrEqual(5);
      expect(fromInventory).toEqual(fromExpress);
    });

    it('has every route declare a scope, or be public and on the allow-list', () => {
      const offenders = routes
        .filter((r) =>
          r.access.kind === 'public'
            ? !PUBLIC_NEST_ROUTES.includes(`${r.method} ${r.path}`)
            : r.access.kind !== 'scopes',
        )
        .map((r) => `${r.method} ${r.path} (${r.handler}): ${r.access.kind}`);
      expect(offenders).toEqual([]);
      expect(routes.filter((r) => r.access.kind === 'public').map((r) => `${r.method} ${r.path}`)).toEqual(
        PUBLIC_NEST_ROUTES,
      );
    });

    it('answers 401 with a Bearer challenge to every non-public route called without a key', async () => {
      const failures: string[] = [];
      for (const route of routes.filter((r) => r.access.kind !== 'public')) {
        const res = await send(api, route);
        if (
          res.status !== 401 ||
          res.body.code !== 'UNAUTHENTICATED' ||
          !PROBLEM_JSON.test(res.headers['content-type']) ||
          !/^Bearer /.test(res.headers['www-authenticate'] ?? '')
        ) {
          failures.push(`${route.method} ${route.path}: ${res.status} ${res.body.code}`);
        }
      }
      expect(failures).toEqual([]);
    });

    it('answers 403 naming the missing scope to a key without it, and lets a key with it through', async () => {
      const failures: string[] = [];
      for (const route of routes) {
        if (route.access.kind !== 'scopes') continue;
        const [first] = route.access.scopes;
        const refused = await send(api, route, bearer(allBut.get(first)!.token));
        if (refused.status !== 403 || refused.body.code !== 'FORBIDDEN_SCOPE') {
          failures.push(`${route.method} ${route.path} without ${first}: ${refused.status}`);
        } else if (!String(refused.body.detail).includes(first)) {
          failures.push(
            `${route.method} ${route.path}: detail "${refused.body.detail}" does not name ${first}`,
          );
        }
        const allowed = await send(api, route, bearer(all.token));
        if ([401, 403].includes(allowed.status)) {
          failures.push(`${route.method} ${route.path} with every scope: ${allowed.status}`);
        }
      }
      expect(failures).toEqual([]);
    });

    it('keeps health and the docs public', async () => {
      await request(api.http).get('/health').expect(200);
      await request(api.http).get('/docs').expect(200);
      await request(api.http).get('/docs/openapi.json').expect(200);
    });

    it('documents bearer authentication in OpenAPI', async () => {
      const doc = (await request(api.http).get('/docs/openapi.json')).body;
      expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(doc.paths['/v1/events'].post.security).toEqual([{ bearer: [] }]);
      expect(doc.paths['/health'].get.security).toBeUndefined();
    });
  });

  describe('401', () => {
    const wrongSecret = `crm_writer_${'A'.repeat(43)}`;
    const unknownId = mintApiKey('nobody', ['events:write']).token;
    it.each([
      ['a malformed header', 'Bearer'],
      ['another scheme', `Basic ${Buffer.from('a:b').toString('base64')}`],
      ['a random token', 'Bearer not-a-key'],
      ['a configured id with a wrong secret', `Bearer ${wrongSecret}`],
      ['a well-formed key that is not configured', `Bearer ${unknownId}`],
      ['the configured hash sent as a token', `Bearer ${writer.entry.hash}`],
    ])('refuses %s as an invalid token', async (_case, header) => {
      const res = await request(api.http)
        .get('/v1/customers/c-1/events')
        .set('authorization', header)
        .expect(401);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="crm", error="invalid_token"');
      expect(res.body).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    });

    it('refuses an anonymous publish before reading its body, appending nothing', async () => {
      const res = await request(api.http).post('/v1/events').send(acquiredEvent('c-anonymous')).expect(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="crm"');
      expect(res.body.code).toBe('UNAUTHENTICATED');
      expect(await api.store.readStream('customer-c-anonymous')).toHaveLength(0);
    });
    it('never parses an anonymous body: malformed or oversized, the answer is 401', async () => {
      const malformed = await request(api.http)
        .post('/v1/events')
        .set('content-type', 'application/json')
        .send('{"not json');
      expect([malformed.status, malformed.body.code]).toEqual([401, 'UNAUTHENTICATED']);
      const oversized = await request(api.http)
        .post('/v1/events')
        .set('content-type', 'application/json')
        .send(JSON.stringify({ pad: 'x'.repeat(api.config.MAX_BODY_BYTES + 1) }));
      expect([oversized.status, oversized.body.code]).toEqual([401, 'UNAUTHENTICATED']);
    });
  });

  describe('403', () => {
    it.each<[string, () => string, string, string, ApiScope]>([
      ['a reader publishing', () => reader.token, 'post', '/v1/events', 'events:write'],
      ['a writer reading a customer', () => writer.token, 'get', '/v1/customers/c-1', 'customers:read'],
      ['a writer listing customers', () => writer.token, 'get', '/v1/customers', 'customers:read'],
      ['a writer reading pipeline lag', () => writer.token, 'get', '/v1/admin/pipeline', 'admin'],
      [
        'an admin publishing (admin implies nothing else)',
        () => admin.token,
        'post',
        '/v1/events',
        'events:write',
      ],
    ])('refuses %s, naming the scope', async (_case, token, method, path, scope) => {
      const call =
        method === 'post'
          ? request(api.http).post(path).send(acquiredEvent('c-403'))
          : request(api.http).get(path);
      const res = await call.set(bearer(token())).expect(403);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.body).toMatchObject({ status: 403, code: 'FORBIDDEN_SCOPE', missingScopes: [scope] });
      expect(res.body.detail).toContain(scope);
      expect(await api.store.readStream('customer-c-403')).toHaveLength(0);
    });

    it('lets each scope do its job', async () => {
      const customerId = 'c-scoped';
      await request(api.http)
        .post('/v1/events')
        .set(bearer(writer.token))
        .send(acquiredEvent(customerId))
        .expect(201);
      const timeline = await request(api.http)
        .get(`/v1/customers/${customerId}/events`)
        .set(bearer(reader.token))
        .expect(200);
      expect(timeline.body.events).toHaveLength(1);
      await request(api.http).get('/v1/admin/pipeline').set(bearer(admin.token)).expect(200);
    });
  });
});

describe('429', () => {
  it('limits each key to its own token bucket, with Retry-After, leaving other keys alone', async () => {
    const limited = mintApiKey('limited', ['customers:read'], { perSecond: 1, burst: 3 });
    const limitedApp = await startApi(keysEnv(limited.entry, reader.entry), { sendKey: false });
    try {
      const path = '/v1/customers?limit=1';
      for (let i = 0; i < 3; i++) {
        await request(limitedApp.http).get(path).set(bearer(limited.token)).expect(200);
      }
      const refused = await request(limitedApp.http).get(path).set(bearer(limited.token)).expect(429);
      expect(refused.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(refused.body).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
      const retryAfter = Number(refused.headers['retry-after']);
      expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
      // Another key has its own budget (default RATE_LIMIT_*).
      await request(limitedApp.http).get(path).set(bearer(reader.token)).expect(200);
      // After Retry-After the bucket has refilled a token.
      await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000 + 100));
      await request(limitedApp.http).get(path).set(bearer(limited.token)).expect(200);
    } finally {
      await limitedApp.close();
    }
  });
});

describe('key rotation', () => {
  it('accepts old and new keys together, and locks the old one out once it is removed from API_KEYS', async () => {
    const old = mintApiKey('ingest-2025', ['events:write']);
    const next = mintApiKey('ingest-2026', ['events:write']);
    const publish = (app: ApiHarness, token: string) =>
      request(app.http)
        .post('/v1/events')
        .set(bearer(token))
        .send(acquiredEvent(`c-${Math.random()}`));

    const during = await startApi(keysEnv(old.entry, next.entry), { sendKey: false });
    try {
      expect((await publish(during, old.token)).status).toBe(201);
      expect((await publish(during, next.token)).status).toBe(201);
    } finally {
      await during.close();
    }
    const after = await startApi(keysEnv(next.entry), { sendKey: false });
    try {
      const refused = await publish(after, old.token);
      expect(refused.status).toBe(401);
      expect(refused.body.code).toBe('UNAUTHENTICATED');
      expect((await publish(after, next.token)).status).toBe(201);
    } finally {
      await after.close();
    }
  });

  it('mints with "crm keys create" a token that only the printed entry accepts', async () => {
    const printed: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((line: string) => void printed.push(line));
    let code: number;
    try {
      code = await keysCommand.run({ scopes: 'customers:read,events:write', id: 'cli-made', json: true }, [
        'create',
      ]);
    } finally {
      log.mockRestore();
    }
    expect(code).toBe(0);
    const { token, entry } = JSON.parse(printed.join('\n')) as { token: string; entry: ApiKeyEntry };
    expect(JSON.stringify(entry)).not.toContain(token.split('_').pop());
    expect(entry.scopes).toEqual(['customers:read', 'events:write']);
    const app = await startApi(keysEnv(entry), { sendKey: false });
    try {
      await request(app.http).get('/v1/customers').set(bearer(token)).expect(200);
      await request(app.http).get('/v1/admin/pipeline').set(bearer(token)).expect(403);
    } finally {
      await app.close();
    }
  });
});

describe('development key', () => {
  it('is generated with every scope when API_KEYS is unset, and written to DATA_DIR', async () => {
    const dev = await startApi({ API_KEYS: '' }, { sendKey: false });
    try {
      expect(dev.apiKey).toBeUndefined();
      const token = readFileSync(join(dev.config.dataDir, DEV_KEY_FILE), 'utf8').trim();
      expect(token).toMatch(/^crm_dev_/);
      await request(dev.http).get('/v1/customers/c-1/events').expect(401);
      await request(dev.http).post('/v1/events').set(bearer(token)).send(acquiredEvent('c-dev')).expect(201);
      await request(dev.http).get('/v1/admin/pipeline').set(bearer(token)).expect(200);
    } finally {
      await dev.close();
    }
  });
});

describe('HTTP hardening', () => {
  it('sets security headers on every answer, a 401 included, and no X-Powered-By', async () => {
    const api = await startApi({}, { sendKey: false });
    try {
      for (const res of [
        await request(api.http).get('/health'),
        await request(api.http).get('/v1/customers'),
      ]) {
        expect(res.headers).toMatchObject({
          'x-content-type-options': 'nosniff',
          'x-frame-options': 'DENY',
          'referrer-policy': 'no-referrer',
          'cache-control': 'no-store',
        });
        expect(res.headers['content-security-policy']).toContain("default-src 'none'");
        expect(res.headers['x-powered-by']).toBeUndefined();
      }
    } finally {
      await api.close();
    }
  });

  it('keeps CORS closed when CORS_ORIGINS is unset', async () => {
    const api = await startApi();
    try {
      const preflight = await request(api.http)
        .options('/v1/events')
        .set('origin', 'https://app.example.com')
        .set('access-control-request-method', 'POST')
        .set('access-control-request-headers', 'authorization,content-type');
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      const read = await request(api.http)
        .get('/v1/customers')
        .set('origin', 'https://app.example.com')
        .expect(200);
      expect(read.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await api.close();
    }
  });

  it('opens CORS to the configured origins only', async () => {
    const api = await startApi({ CORS_ORIGINS: 'https://app.example.com' });
    try {
      const preflight = await request(api.http)
        .options('/v1/events')
        .set('origin', 'https://app.example.com')
        .set('access-control-request-method', 'POST')
        .set('access-control-request-headers', 'authorization,content-type')
        .expect(204);
      expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example.com');
      expect(preflight.headers['access-control-allow-headers']).toMatch(/authorization/i);
      const other = await request(api.http)
        .options('/v1/events')
        .set('origin', 'https://evil.example.com')
        .set('access-control-request-method', 'POST');
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await api.close();
    }
  });

  it('answers 503 REQUEST_TIMEOUT when a handler outlives REQUEST_TIMEOUT_MS, and survives its late answer', async () => {
    const api = await startApi({ REQUEST_TIMEOUT_MS: '200' });
    try {
      const published = await request(api.http).post('/v1/events').send(acquiredEvent('c-slow')).expect(201);
      const position = published.body.results[0].globalPosition;
      // No worker runs, so the read model never reaches the position: the handler waits its full waitMs.
      const res = await request(api.http).get(`/v1/customers/c-slow?minPosition=${position}&waitMs=1000`);
      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(res.headers['retry-after']).toBe('1');
      expect(res.body).toMatchObject({ code: 'REQUEST_TIMEOUT', status: 503 });
      // Let the handler give up and try to answer the closed exchange; the server must shrug it off.
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      await request(api.http).get('/health').expect(200);
    } finally {
      await api.close();
    }
  });
});
