import { parseApiKeys } from '@crm/config';
import { mintApiKey, tokenKeyId } from './api-key.hashing';
import { ApiKeyRegistry } from './api-key.registry';

const DEFAULT_LIMIT = { perSecond: 100, burst: 200 };

describe('API keys', () => {
  const reader = mintApiKey('reader', ['customers:read']);
  const writer = mintApiKey('writer', ['events:write'], { perSecond: 5, burst: 10 });
  const registry = new ApiKeyRegistry([reader.entry, writer.entry], DEFAULT_LIMIT);

  it('mints a token whose entry is a valid API_KEYS entry holding no part of the secret', () => {
    expect(reader.token).toMatch(/^crm_reader_[A-Za-z0-9_-]{43}$/);
    expect(parseApiKeys(JSON.stringify([reader.entry]))).toEqual([reader.entry]);
    expect(JSON.stringify(reader.entry)).not.toContain(reader.token.slice('crm_reader_'.length));
  });

  it('salts each key: the same id minted twice gives different hashes', () => {
    const again = mintApiKey('reader', ['customers:read']);
    expect(again.entry.salt).not.toBe(reader.entry.salt);
    expect(again.entry.hash).not.toBe(reader.entry.hash);
  });

  it('verifies a configured token, with its scopes and rate limit', () => {
    expect(registry.verify(reader.token)).toMatchObject({ keyId: 'reader', rateLimit: DEFAULT_LIMIT });
    expect([...registry.verify(reader.token)!.scopes]).toEqual(['customers:read']);
    expect(registry.verify(writer.token)?.rateLimit).toEqual({ perSecond: 5, burst: 10 });
  });

  it.each([
    [
      'a token with one character changed',
      () => reader.token.slice(0, -1) + (reader.token.endsWith('A') ? 'B' : 'A'),
    ],
    ["one key's secret under another key's id", () => reader.token.replace('crm_reader_', 'crm_writer_')],
    ['an unconfigured id', () => mintApiKey('other', ['admin']).token],
    ['the hash itself', () => reader.entry.hash],
    ['an empty string', () => ''],
  ])('rejects %s', (_case, token) => {
    expect(registry.verify(token())).toBeUndefined();
  });

  it('remembers a verified token, never a refused one: a near miss stays refused after a hit', () => {
    const fresh = new ApiKeyRegistry([reader.entry], DEFAULT_LIMIT);
    const nearMiss = reader.token.slice(0, -1) + (reader.token.endsWith('A') ? 'B' : 'A');
    expect(fresh.verify(nearMiss)).toBeUndefined();
    const first = fresh.verify(reader.token);
    expect(first).toMatchObject({ keyId: 'reader' });
    expect(fresh.verify(reader.token)).toBe(first);
    expect(fresh.verify(nearMiss)).toBeUndefined();
    expect(fresh.verify(reader.token + 'x')).toBeUndefined();
  });

  it('reads the key id from a token, and nothing from a foreign string', () => {
    expect(tokenKeyId('crm_ab-1_secret_with_underscores')).toBe('ab-1');
    expect(tokenKeyId('crm__secret')).toBeUndefined();
    expect(tokenKeyId('crm_id_')).toBeUndefined();
    expect(tokenKeyId('Bearer crm_id_x')).toBeUndefined();
  });

  it('refuses an id the configuration could not hold', () => {
    expect(() => mintApiKey('Has_Underscore', ['admin'])).toThrow(/key id/);
  });
});
