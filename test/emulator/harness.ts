/**
 * The emulator alone over real HTTP, with a controllable clock and Plaid SDK
 * clients for two Plaid clients (the emulator's own tests). Gateway tests use
 * test/support/stack.ts instead; SDK errors and webhook receivers come from
 * test/support (sdk.ts, webhook-receiver.ts) for both.
 */
import { createHash } from 'node:crypto';
import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import type { PlaidApi } from 'plaid';
import { expect } from 'vitest';
import { createEmulatorApp, type EmulatorApp, type EmulatorClient } from '../../src/emulator/app';
import { closeServer, listen } from '../../src/node/serve';
import { expectValidPlaid } from '../support/plaid-spec';
import { plaidSdk } from '../support/sdk';
import type { ReceivedWebhook } from '../support/webhook-receiver';

export const CLIENT_A: EmulatorClient = { clientId: 'client_a', secret: 'secret_a_0123456789abcdef' };
export const CLIENT_B: EmulatorClient = { clientId: 'client_b', secret: 'secret_b_0123456789abcdef' };

export interface Harness {
  url: string;
  app: EmulatorApp;
  plaid: PlaidApi;
  plaidB: PlaidApi;
  /** Moves the emulator's clock forward. */
  advance(ms: number): void;
  now(): Date;
  sdk(clientId: string, secret: string): PlaidApi;
  /** A raw POST (for malformed bodies and the emulator-only controls); returns status, headers and parsed body. */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; body: any }>;
  newToken(options?: { institution_id?: string; password?: string; username?: string }): Promise<string>;
  close(): Promise<void>;
}

export async function startEmulatorHarness(options: { rateLimits?: boolean; webhookRetryDelayMs?: number } = {}): Promise<Harness> {
  let now = Date.parse('2024-07-15T12:00:00.000Z');
  const app = createEmulatorApp({
    clients: [CLIENT_A, CLIENT_B],
    rateLimits: options.rateLimits ?? true,
    clock: () => new Date(now),
    ...(options.webhookRetryDelayMs !== undefined ? { webhookRetryDelayMs: options.webhookRetryDelayMs } : {}),
  });
  const { server, url } = await listen(app, 0);
  const sdk = (clientId: string, secret: string) => plaidSdk(url, { clientId, secret });
  const plaid = sdk(CLIENT_A.clientId, CLIENT_A.secret);
  const keys = { 'plaid-client-id': CLIENT_A.clientId, 'plaid-secret': CLIENT_A.secret };
  return {
    url,
    app,
    plaid,
    plaidB: sdk(CLIENT_B.clientId, CLIENT_B.secret),
    advance: (ms) => {
      now += ms;
    },
    now: () => new Date(now),
    sdk,
    async post(path, body, headers = keys) {
      const response = await fetch(url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
    },
    async newToken(opts = {}) {
      const { data } = await plaid.sandboxProcessorTokenCreate({
        institution_id: opts.institution_id ?? 'ins_109508',
        options: { override_username: opts.username ?? 'user_good', override_password: opts.password ?? 'pass_good' },
      });
      return data.processor_token;
    },
    close: async () => {
      // Retries of webhooks a test's receiver refused must not outlive the test.
      app.emulator.webhooks.cancelRetries();
      await closeServer(server);
    },
  };
}

/** Verifies a webhook as Plaid tells receivers to: ES256 JWT, key from /webhook_verification_key/get, iat, body hash. */
export async function verifyWebhook(h: Harness, hook: ReceivedWebhook): Promise<void> {
  const jwt = hook.headers['plaid-verification'];
  expect(typeof jwt).toBe('string');
  const header = decodeProtectedHeader(jwt as string);
  expect(header.alg).toBe('ES256');
  expect(header.kid).toEqual(expect.any(String));
  const { data } = await h.plaid.webhookVerificationKeyGet({ key_id: header.kid! });
  expectValidPlaid('WebhookVerificationKeyGetResponse', data);
  expect(data.key).toMatchObject({ alg: 'ES256', crv: 'P-256', kty: 'EC', use: 'sig', kid: header.kid, expired_at: null });
  const key = await importJWK(data.key as any, 'ES256');
  const { payload } = await jwtVerify(jwt as string, key, { algorithms: ['ES256'], currentDate: h.now() });
  expect(Math.abs((payload.iat as number) - h.now().getTime() / 1000)).toBeLessThanOrEqual(5 * 60);
  expect(payload.request_body_sha256).toBe(createHash('sha256').update(hook.body).digest('hex'));
  // Plaid's bodies use 2-space indentation (the hash is over these exact bytes).
  expect(hook.body).toBe(JSON.stringify(hook.json, null, 2));
}
