import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { base64url, randomBytes } from '../lib/ids';

/** Where the development keys live: DEV_KEYS_FILE, else beside the PGlite directory (.data/dev-keys.json). */
export function devKeysFile(env: { DEV_KEYS_FILE?: string }, pgliteDataDir: string): string {
  return env.DEV_KEYS_FILE ?? join(pgliteDataDir, '..', 'dev-keys.json');
}

export interface DevKeys {
  adminKey: string;
  encryptionKey: string;
}

/**
 * Development keys for `npm start` without GATEWAY_ADMIN_KEY/GATEWAY_ENCRYPTION_KEY:
 * generated once, kept in .data/dev-keys.json (mode 600) so sealed data stays
 * readable across restarts. Never used when PLAID_ENV is sandbox or production.
 */
export function loadOrCreateDevKeys(file: string): { keys: DevKeys; created: boolean } {
  if (existsSync(file)) {
    return { keys: JSON.parse(readFileSync(file, 'utf8')) as DevKeys, created: false };
  }
  const keys: DevKeys = {
    adminKey: `gwadmin_${base64url(randomBytes(32))}`,
    encryptionKey: `dev1:${btoa(String.fromCharCode(...randomBytes(32)))}`,
  };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
  return { keys, created: true };
}
