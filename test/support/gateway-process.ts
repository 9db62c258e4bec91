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

/**
 * Through a running gateway's own API: a partner (with the emulator's Plaid
 * keys and `partner` fields), a fintech, and a token the fintech imported for
 * the partner. Answers the partner's and the fintech's keys and the gateway token.
 */
export async function partnerWithToken(gateway: string, emulatorPort: number, adminKey: string, partner: Record<string, unknown> = {}) {
  const admin = { authorization: `Bearer ${adminKey}` };
  const plaid = { client_id: TEST_PLAID_CLIENT.clientId, secret: TEST_PLAID_CLIENT.secret };
  const p = await json(`${gateway}/admin/partners`, { name: 'Crash', processor: 'dwolla', plaid, ...partner }, admin);
  const f = await json(`${gateway}/admin/fintechs`, { name: 'Crash fintech' }, admin);
  const raw = await json(`http://127.0.0.1:${emulatorPort}/sandbox/processor_token/create`, { ...plaid, institution_id: 'ins_109508' });
  const imported = await json(
    `${gateway}/gateway/processor_token/import`,
    { processor_token: raw.body.processor_token, partner_id: p.body.partner_id },
    { 'plaid-client-id': f.body.client_id, 'plaid-secret': f.body.secret },
  );
  if (imported.status !== 200) throw new Error(`import failed: ${JSON.stringify(imported.body)}`);
  return {
    partnerId: p.body.partner_id as string,
    partnerKeys: { 'plaid-client-id': p.body.client_id as string, 'plaid-secret': p.body.secret as string },
    gatewayToken: imported.body.processor_token as string,
  };
}
