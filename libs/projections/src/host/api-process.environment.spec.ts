import { loadConfig, type ApiKeyEntry } from '@crm/config';
import { apiProcessEnv, apiProcessNumber } from './api-process.environment';

const key = (id: string, rateLimit?: ApiKeyEntry['rateLimit']): ApiKeyEntry => ({
  id,
  salt: 'c2FsdHNhbHRzYWx0c2FsdA',
  hash: 'aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g',
  scopes: ['admin'],
  ...(rateLimit ? { rateLimit } : {}),
});

describe('apiProcessEnv: what each of n API processes gets from the primary', () => {
  const config = loadConfig({ RATE_LIMIT_PER_SECOND: '100', RATE_LIMIT_BURST: '201', WORKER_ID: 'box' });

  it("gives every process the same keys, the primary's development key included", () => {
    const keys = [key('dev'), key('ops')];
    const envs = [1, 2, 3].map((n) => apiProcessEnv(config, keys, 3, n));
    for (const env of envs) expect(JSON.parse(env.API_KEYS)).toEqual(keys);
    // What a process is given, it accepts: the configuration validates it.
    expect(loadConfig(envs[0]).apiKeys).toEqual(keys);
  });

  it('shares every rate limit out, so that n processes together stay within it', () => {
    const env = apiProcessEnv(config, [key('bulk', { perSecond: 1000, burst: 5 })], 4, 1);
    expect(env.RATE_LIMIT_PER_SECOND).toBe('25');
    expect(env.RATE_LIMIT_BURST).toBe('51'); // rounded up: never a bucket of 0
    expect(env.SQL_MAX_CONCURRENT_QUERIES).toBe('1'); // 4 queries at once on the engine, over 4 processes
    expect(JSON.parse(env.API_KEYS)[0].rateLimit).toEqual({ perSecond: 250, burst: 2 });
  });

  it('names each process apart in leases', () => {
    expect(apiProcessEnv(config, [], 2, 1).WORKER_ID).toBe('box-api-1');
    expect(apiProcessEnv(config, [], 2, 2).WORKER_ID).toBe('box-api-2');
  });

  it('reads the process number its primary gave it', () => {
    expect(apiProcessNumber({ CRM_API_PROCESS: '2' })).toBe(2);
    expect(apiProcessNumber({})).toBe(1);
  });
});
