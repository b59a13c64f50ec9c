import { ApiKeyEntry, AppConfig } from '@crm/config';
import { Logger } from '@nestjs/common';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mintApiKey } from './api-key.hashing';
import { ALL_SCOPES } from './requires-scope.decorator';

export const DEV_KEY_FILE = 'dev-api-key';

/**
 * The configured keys or, when API_KEYS is unset (a fresh clone, `npm start`), a development key with every
 * scope, minted at boot, valid until the process stops. It is printed and written to DATA_DIR/dev-api-key
 * (mode 0600) so the README's curl examples can read it; only its hash is kept in memory.
 */
export function resolveApiKeys(config: AppConfig): { entries: ApiKeyEntry[]; devToken?: string } {
  const configured = config.apiKeys;
  if (configured) return { entries: configured };
  const { token, entry } = mintApiKey('dev', ALL_SCOPES);
  mkdirSync(config.dataDir, { recursive: true });
  const file = join(config.dataDir, DEV_KEY_FILE);
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // mode above applies only when the file is new
  Logger.warn(
    `No API_KEYS configured: generated a development key with every scope, valid until this process stops:\n` +
      `    export CRM_API_KEY=${token}\n` +
      `  (also in ${file}). Configure API_KEYS (see "crm keys create") for anything but development.`,
    'Access',
  );
  return { entries: [entry], devToken: token };
}
