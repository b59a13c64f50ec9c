import { API_SCOPES, ApiKeyEntry, ApiScope, loadConfig } from '@crm/config';
import { randomBytes } from 'node:crypto';
import { mintApiKey } from '@crm/http-api';
import type { CliCommand } from '../cli';
import { EXIT } from '../exit-codes';

const USAGE = `Usage: crm keys create --scopes <list> [--id <id>] [--rate <per second> --burst <n>] [--json]

Mints an API key. Prints the token once (only its salted hash is ever configured, so it cannot be shown
again) and the API_KEYS entry to configure. API_KEYS is a JSON list: during a rotation keep the old entry
next to the new one, move clients to the new token, then remove the old entry and restart the API.
  --scopes   comma-separated: ${API_SCOPES.join(', ')}
  --id       the key's public id (a-z, 0-9, "-"; default k-<random>), part of the token
  --rate     this key's sustained requests per second (default RATE_LIMIT_PER_SECOND)
  --burst    this key's burst (default RATE_LIMIT_BURST); --rate and --burst go together
  --json     print {"token", "entry", "apiKeys"} as JSON`;

function usageError(message: string): number {
  console.error(`crm keys: ${message}\n\n${USAGE}`);
  return EXIT.USAGE;
}

function positiveNumber(raw: unknown): number | undefined {
  const value = Number(raw);
  return typeof raw === 'string' && Number.isFinite(value) && value > 0 ? value : undefined;
}

export const keysCommand: CliCommand = {
  summary: 'Mint an API key: prints the token once and its API_KEYS entry (a salted hash)',
  usage: USAGE,
  options: {
    scopes: { type: 'string' },
    id: { type: 'string' },
    rate: { type: 'string' },
    burst: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values, positionals) {
    if (positionals.length !== 1 || positionals[0] !== 'create') return usageError('expected "create"');
    const scopes = String(values.scopes ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    const unknown = scopes.filter((s) => !(API_SCOPES as readonly string[]).includes(s));
    if (scopes.length === 0 || unknown.length > 0) {
      return usageError(
        `--scopes must list some of ${API_SCOPES.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`,
      );
    }
    let rateLimit: { perSecond: number; burst: number } | undefined;
    if (values.rate !== undefined || values.burst !== undefined) {
      const perSecond = positiveNumber(values.rate);
      const burst = positiveNumber(values.burst);
      if (perSecond === undefined || burst === undefined || !Number.isInteger(burst)) {
        return usageError('--rate (a number > 0) and --burst (an integer >= 1) go together');
      }
      rateLimit = { perSecond, burst };
    }
    const id = typeof values.id === 'string' ? values.id : `k-${randomBytes(4).toString('hex')}`;
    let minted: ReturnType<typeof mintApiKey>;
    try {
      minted = mintApiKey(id, [...new Set(scopes)] as ApiScope[], rateLimit);
    } catch (error) {
      return usageError((error as Error).message);
    }
    // The configured keys plus this one: what API_KEYS becomes while both are valid.
    const current: ApiKeyEntry[] = (loadConfig().apiKeys ?? []).filter((e) => e.id !== id);
    const apiKeys = JSON.stringify([...current, minted.entry]);
    if (values.json) {
      console.log(JSON.stringify({ token: minted.token, entry: minted.entry, apiKeys }));
      return EXIT.OK;
    }
    console.log(`API key "${id}" (${minted.entry.scopes.join(', ')}). The token, shown only now:

  ${minted.token}

Its entry for API_KEYS (the token cannot be recovered from it):

  ${JSON.stringify(minted.entry)}

API_KEYS with ${current.length > 0 ? 'the currently configured keys and ' : ''}this one:

  API_KEYS='${apiKeys}'`);
    return EXIT.OK;
  },
};
