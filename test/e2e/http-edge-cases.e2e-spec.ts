import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import request from 'supertest';
import { ApiHarness, startApi } from '../support/api-harness';
import { acquiredEvent } from '../support/event-fixtures';

type Problem = { code: string; status: number; errors?: { path?: string; code: string }[]; detail?: string };

const PROBLEM_TYPE = /^application\/problem\+json/;

/** What the HTTP entrance answers at its edges: encodings, methods, empty and odd parameters and bodies. */
describe('HTTP edge cases', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  describe('a body that does not match its Content-Encoding', () => {
    it.each(['gzip', 'deflate', 'br'])(
      '%s on a plain body: 400 MALFORMED_CONTENT_ENCODING, nothing appended',
      async (encoding) => {
        const head = await api.store.headPosition();
        const res = await request(api.http)
          .post('/v1/events')
          .set('content-type', 'application/json')
          .set('content-encoding', encoding)
          .send(JSON.stringify(acquiredEvent(`c-${randomUUID()}`)));
        expect(res.status).toBe(400);
        expect(res.headers['content-type']).toMatch(PROBLEM_TYPE);
        expect((res.body as Problem).code).toBe('MALFORMED_CONTENT_ENCODING');
        expect(await api.store.headPosition()).toBe(head);
      },
    );

    it('a truncated gzip body is refused the same way', async () => {
      const body = gzipSync(JSON.stringify(acquiredEvent(`c-${randomUUID()}`)));
      const res = await request(api.http)
        .post('/v1/events')
        .set('content-type', 'application/json')
        .set('content-encoding', 'gzip')
        .send(body.subarray(0, body.length - 8));
      expect(res.status).toBe(400);
      expect((res.body as Problem).code).toBe('MALFORMED_CONTENT_ENCODING');
    });

    it('a body that is compressed as it says is accepted', async () => {
      // Over a real socket: supertest would serialize a Buffer sent as application/json.
      const server = api.http as Server;
      if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      for (const [encoding, compress] of [
        ['gzip', gzipSync],
        ['deflate', deflateSync],
        ['br', brotliCompressSync],
      ] as const) {
        const res = await fetch(`http://127.0.0.1:${port}/v1/events`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${api.apiKey}`,
            'content-type': 'application/json',
            'content-encoding': encoding,
          },
          body: compress(JSON.stringify(acquiredEvent(`c-${randomUUID()}`))),
        });
        expect(res.status).toBe(201);
      }
    });
  });

  describe('methods a path does not serve', () => {
    it.each([
      ['PUT', '/v1/events', 'POST'],
      ['GET', '/v1/events', 'POST'],
      ['DELETE', '/v1/customers/c-1', 'GET, HEAD'],
      ['PATCH', '/v1/analytics/rfm', 'GET, HEAD'],
      ['GET', '/v1/admin/projections/analytics/rebuild', 'POST'],
    ])('%s %s: 405 with Allow: %s', async (method, path, allow) => {
      const res = await request(api.http)[method.toLowerCase() as 'get'](path);
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe(allow);
      expect(res.headers['content-type']).toMatch(PROBLEM_TYPE);
      expect((res.body as Problem).code).toBe('METHOD_NOT_ALLOWED');
    });

    it('a path that does not exist is still 404', async () => {
      const res = await request(api.http).put('/v1/no-such-thing');
      expect(res.status).toBe(404);
      expect((res.body as Problem).code).toBe('ROUTE_NOT_FOUND');
    });
  });

  describe('the rebuild body: absent or a JSON object', () => {
    it.each([
      ['null', 'null'],
      ['an array', '[]'],
      ['a string', '"x"'],
      ['a number', '3'],
    ])('%s is refused with 400 at $', async (_label, body) => {
      const res = await request(api.http)
        .post('/v1/admin/projections/customer-read-model/rebuild')
        .set('content-type', 'application/json')
        .send(body);
      expect(res.status).toBe(400);
      expect((res.body as Problem).errors?.[0]).toMatchObject({ path: '$', code: 'INVALID_FIELD' });
    });
  });

  describe('query parameters', () => {
    const fieldAtFault = async (url: string) => {
      const res = await request(api.http).get(url);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(PROBLEM_TYPE);
      return (res.body as Problem).errors?.map((e) => e.path);
    };

    it('a malformed `to` is reported at $query.to, not at the `from` derived from it', async () => {
      for (const route of ['lifecycle/funnel', 'lifecycle/churn']) {
        expect(await fieldAtFault(`/v1/analytics/${route}?to=abc`)).toEqual(['$query.to']);
      }
      expect(await fieldAtFault('/v1/analytics/seasonality?currency=EUR&to=2025-02-30')).toEqual([
        '$query.to',
      ]);
    });

    it('an empty value is refused, not taken as absent', async () => {
      expect(await fieldAtFault('/v1/analytics/lifecycle/funnel?channel=')).toEqual(['$query.channel']);
      expect(await fieldAtFault('/v1/analytics/rfm?currency=EUR&cutoff=')).toEqual(['$query.cutoff']);
      expect(await fieldAtFault('/v1/customers?limit=')).toEqual(['$query.limit']);
      expect(await fieldAtFault('/v1/customers?minPosition=')).toEqual(['$query.minPosition']);
    });

    it('asOfBasis is checked even without asOf', async () => {
      expect(await fieldAtFault('/v1/customers/c-1?asOfBasis=bogus')).toEqual(['$query.asOfBasis']);
      expect(await fieldAtFault('/v1/customers/c-1?asOf=5&asOfBasis=bogus')).toEqual(['$query.asOfBasis']);
    });

    it('a number in exponent notation is a number', async () => {
      const res = await request(api.http).get('/v1/analytics/portfolio?currency=EUR&margin=1e-3');
      // No buyers in this empty store: the parameters were read, the models had nothing to fit.
      expect(res.status).toBe(422);
      expect((res.body as Problem).code).toBe('NOT_ENOUGH_DATA');
    });

    it('the discount rate is reported under its query name', async () => {
      expect(await fieldAtFault('/v1/analytics/predictive-ltv?currency=EUR&discountRate=2')).toEqual([
        '$query.discountRate',
      ]);
    });
  });

  it('time travel to a customer who never existed says so, without "as of"', async () => {
    const res = await request(api.http).get('/v1/customers/c-nobody?asOf=2025-01-01T00:00:00Z');
    expect(res.status).toBe(404);
    expect((res.body as Problem).detail).toBe('Customer c-nobody has no events');
  });

  it('time travel to a position past any 64-bit integer folds the whole stream', async () => {
    const id = `c-${randomUUID()}`;
    await request(api.http).post('/v1/events').send(acquiredEvent(id)).expect(201);
    const res = await request(api.http).get(`/v1/customers/${id}?asOf=${'9'.repeat(20)}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ customerId: id, stage: 'acquired', asOf: { basis: 'position' } });
  });

  it('time travel before a customer existed says as of when', async () => {
    const id = `c-${randomUUID()}`;
    await request(api.http).post('/v1/events').send(acquiredEvent(id)).expect(201);
    const res = await request(api.http).get(`/v1/customers/${id}?asOf=1999-01-01T00:00:00Z`);
    expect(res.status).toBe(404);
    expect((res.body as Problem).detail).toBe(`Customer ${id} has no events as of 1999-01-01T00:00:00Z`);
  });

  describe('the OpenAPI document', () => {
    type Operation = {
      security?: object[];
      parameters?: { name: string; in: string; schema?: Record<string, unknown> }[];
      responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
    };
    let doc: {
      paths: Record<string, Record<string, Operation>>;
      components: { securitySchemes: Record<string, Record<string, unknown>> };
    };
    const operations = () =>
      Object.entries(doc.paths).flatMap(([path, item]) =>
        Object.entries(item).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op })),
      );
    beforeAll(async () => {
      doc = (await request(api.http).get('/docs/openapi.json').expect(200)).body;
    });

    it('labels the bearer scheme an API key, not a JWT', () => {
      expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(doc.components.securitySchemes.bearer.bearerFormat).toBeUndefined();
    });

    it('gives every failure status the problem+json schema, and protected routes 401, 403, 429 and 503', () => {
      for (const { name, op } of operations()) {
        for (const [status, response] of Object.entries(op.responses)) {
          if (Number(status) < 400) continue;
          expect([name, status, response.content?.['application/problem+json']?.schema]).toEqual([
            name,
            status,
            { $ref: '#/components/schemas/Problem' },
          ]);
        }
        if (op.security?.length) {
          expect([name, Object.keys(op.responses)]).toEqual([
            name,
            expect.arrayContaining(['401', '403', '429', '503']),
          ]);
        }
      }
    });

    it('declares the 400, 404, 409 and 422 answers of the customer, analytics and rebuild routes', () => {
      const responses = (path: string, method = 'get') => Object.keys(doc.paths[path][method].responses);
      expect(responses('/v1/customers/{customerId}')).toEqual(expect.arrayContaining(['200', '400', '404']));
      expect(responses('/v1/customers/{customerId}/events')).toEqual(expect.arrayContaining(['400', '404']));
      expect(responses('/v1/customers')).toEqual(expect.arrayContaining(['200', '400']));
      expect(responses('/v1/admin/projections/{name}/rebuild', 'post')).toEqual(
        expect.arrayContaining(['202', '400', '404', '409', '413', '415']),
      );
      expect(responses('/v1/analytics/predictive-ltv')).toEqual(
        expect.arrayContaining(['200', '400', '422', '503']),
      );
    });

    it('gives every analytics parameter a real schema: currency is an ISO 4217 code, never {}', () => {
      const analytics = operations().filter(({ name }) => name.startsWith('GET /v1/analytics/'));
      expect(analytics.length).toBeGreaterThanOrEqual(14);
      for (const { name, op } of analytics) {
        for (const parameter of op.parameters ?? []) {
          expect([name, parameter.name, parameter.schema?.type]).toEqual([
            name,
            parameter.name,
            expect.any(String),
          ]);
        }
        const currency = op.parameters?.find((p) => p.name === 'currency');
        if (currency) expect(currency.schema?.enum).toEqual(expect.arrayContaining(['EUR', 'USD', 'JPY']));
        expect(op.responses['200'].content?.['application/json']?.schema).toBeDefined();
      }
    });
  });
});
