import { ConfigError, loadConfig } from './app.config';

const entry = {
  id: 'ingest',
  salt: Buffer.alloc(16, 1).toString('base64url'),
  hash: Buffer.alloc(32, 2).toString('base64url'),
  scopes: ['events:write'],
};
const withKeys = (value: unknown) => ({ API_KEYS: JSON.stringify(value) });

describe('API_KEYS', () => {
  it('is optional: absent means the API mints a development key', () => {
    expect(loadConfig({}).apiKeys).toBeUndefined();
    expect(loadConfig({ API_KEYS: '' }).apiKeys).toBeUndefined();
  });

  it('reads a list of hashed keys, with an optional rate limit each', () => {
    const keys = [entry, { ...entry, id: 'ingest-2', rateLimit: { perSecond: 2.5, burst: 5 } }];
    expect(loadConfig(withKeys(keys)).apiKeys).toEqual(keys);
  });

  it.each([
    ['not JSON', 'ingest:secret', /not valid JSON/],
    ['an empty list', '[]', /non-empty/],
    [
      'a plain-text token field',
      withKeys([{ ...entry, token: 'crm_ingest_x' }]).API_KEYS,
      /plain-text tokens/,
    ],
    ['a bad id', withKeys([{ ...entry, id: 'Bad Id' }]).API_KEYS, /id must be/],
    ['a duplicate id', withKeys([entry, entry]).API_KEYS, /used twice/],
    ['a short salt', withKeys([{ ...entry, salt: 'abc' }]).API_KEYS, /salt/],
    ['a hash of the wrong size', withKeys([{ ...entry, hash: entry.salt }]).API_KEYS, /hash must be/],
    ['no scopes', withKeys([{ ...entry, scopes: [] }]).API_KEYS, /scopes must be/],
    [
      'an unknown scope',
      withKeys([{ ...entry, scopes: ['events:delete'] }]).API_KEYS,
      /unknown scope "events:delete"/,
    ],
    [
      'a bad rate limit',
      withKeys([{ ...entry, rateLimit: { perSecond: 0, burst: 1 } }]).API_KEYS,
      /rateLimit/,
    ],
  ])('fails fast naming API_KEYS for %s', (_case, value, reason) => {
    expect(() => loadConfig({ API_KEYS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ API_KEYS: value })).toThrow(/API_KEYS=/);
    expect(() => loadConfig({ API_KEYS: value })).toThrow(reason);
  });
});

describe('HTTP hardening settings', () => {
  it('has closed CORS and bounded defaults', () => {
    const config = loadConfig({});
    expect(config.corsOrigins).toBeUndefined();
    expect([config.RATE_LIMIT_PER_SECOND, config.RATE_LIMIT_BURST, config.REQUEST_TIMEOUT_MS]).toEqual([
      100, 200, 30_000,
    ]);
  });

  it('reads CORS origins and rejects anything but origins', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://a.example.com,http://localhost:5173' }).corsOrigins).toEqual([
      'https://a.example.com',
      'http://localhost:5173',
    ]);
    for (const bad of ['*', 'https://a.example.com/path', 'a.example.com']) {
      expect(() => loadConfig({ CORS_ORIGINS: bad })).toThrow(/CORS_ORIGINS=/);
    }
  });

  it.each([
    ['RATE_LIMIT_PER_SECOND', '0'],
    ['RATE_LIMIT_BURST', 'x'],
    ['REQUEST_TIMEOUT_MS', '10'],
  ])('fails fast naming %s when it is %p', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`${name}=`));
  });
});
