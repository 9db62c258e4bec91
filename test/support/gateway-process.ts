/**
 * The gateway as a real process (`src/node/start.ts`, what `npm start` runs),
 * for tests that kill it: on a database of the test's own, with the embedded
 * emulator on its own port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { TEST_PLAID_CLIENT } from './stack';

export function startGatewayProcess(options: {
  databaseUrl: string;
  port: number;
  emulatorPort: number;
  adminKey: string;
  encryptionKey: string;
  env?: Record<string, string>;
}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/node/start.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      PORT: String(options.port),
      EMULATOR_PORT: String(options.emulatorPort),
      HOST: '127.0.0.1',
      PLAID_ENV: 'emulator',
      PLAID_BASE_URL: '',
      GATEWAY_ADMIN_KEY: options.adminKey,
      GATEWAY_ENCRYPTION_KEY: options.encryptionKey,
      EMULATOR_CLIENTS: `${TEST_PLAID_CLIENT.clientId}:${TEST_PLAID_CLIENT.secret}`,
      EMULATOR_RATE_LIMITS: 'off',
      LOG_LEVEL: 'error',
      ...options.env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** Polls `probe` until it answers something other than undefined (errors count as undefined). */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** GET (no body) or POST JSON; answers status and parsed body. */
export async function json(url: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}
