/**
 * What the gateway benchmarks share: the servers' environments and the set-up
 * of a partner, a fintech and an imported token through the HTTP APIs (as an
 * operator would), used by bench/proxy.ts and bench/lib/profile-gateway.ts.
 */
import { EnvSchema } from '../../src/config';

export const ADMIN_KEY = `bench_admin_${'x'.repeat(24)}`;
/** The emulator's Plaid keys (also the partner's Plaid keys at the gateway). */
export const PLAID = { client_id: 'bench_client', secret: 'bench_secret_0123456789' };

/** The environment of the servers: ours, minus every variable the gateway or emulator reads (set explicitly). */
export function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of [...Object.keys(EnvSchema.shape), 'HOST']) delete env[name];
  return env;
}

/** The Plaid emulator (src/emulator/server.ts) on `port`, its rate limits off. */
export function emulatorEnv(env: NodeJS.ProcessEnv, port: number): NodeJS.ProcessEnv {
  return {
    ...env,
    HOST: '127.0.0.1',
    EMULATOR_PORT: String(port),
    EMULATOR_CLIENTS: `${PLAID.client_id}:${PLAID.secret}`,
    EMULATOR_RATE_LIMITS: 'off',
  };
}

/** The gateway (src/node/start.ts) on `port`, calling the emulator process at `emulatorUrl`. */
export function gatewayEnv(
  env: NodeJS.ProcessEnv,
  databaseEnv: Record<string, string>,
  emulatorUrl: string,
  port: number,
): NodeJS.ProcessEnv {
  return {
    ...env,
    ...databaseEnv,
    PLAID_ENV: 'emulator',
    PLAID_BASE_URL: emulatorUrl,
    GATEWAY_ADMIN_KEY: ADMIN_KEY,
    GATEWAY_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(port),
  };
}

/** Partner, fintech and token through the HTTP APIs, as an operator would. */
export async function setUp(gateway: string, emulator: string) {
  const post = async (url: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const json = (await res.json()) as Record<string, string>;
    if (res.status >= 300) throw new Error(`set-up ${url}: HTTP ${res.status} ${json.error_code ?? ''} ${json.error_message ?? ''}`);
    return json;
  };
  const admin = { authorization: `Bearer ${ADMIN_KEY}` };
  // Generous limits: the limiter admits everything but still counts exactly.
  const rule = { limit: 1_000_000, window_seconds: 60 };
  const partner = await post(
    `${gateway}/admin/partners`,
    {
      name: 'bench',
      processor: 'dwolla',
      plaid: PLAID,
      rate_limits: { partner: { '/processor/auth/get': rule }, token: { '/processor/auth/get': rule } },
    },
    admin,
  );
  const fintech = await post(`${gateway}/admin/fintechs`, { name: 'bench' }, admin);
  const raw = await post(`${emulator}/sandbox/processor_token/create`, { ...PLAID, institution_id: 'ins_109508' });
  const imported = await post(
    `${gateway}/gateway/processor_token/import`,
    { processor_token: raw.processor_token, partner_id: partner.partner_id },
    { 'plaid-client-id': fintech.client_id!, 'plaid-secret': fintech.secret! },
  );
  return {
    partnerKeys: { client_id: partner.client_id!, secret: partner.secret! },
    gatewayToken: imported.processor_token!,
    rawToken: raw.processor_token!,
  };
}
