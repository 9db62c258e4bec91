/** Starts the emulator over real HTTP with a controllable clock; Plaid SDK clients for two Plaid clients. */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { Configuration, PlaidApi } from 'plaid';
import { expect } from 'vitest';
import { createEmulatorApp, type EmulatorApp, type EmulatorClient } from '../../src/emulator/app';
import { closeServer, listen } from '../../src/node/serve';
import { expectValidPlaid } from '../support/plaid-spec';
import { expectSdkError as expectSdkErrorWithHeaders } from '../support/sdk';

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

export async function startEmulator(options: { rateLimits?: boolean } = {}): Promise<Harness> {
  let now = Date.parse('2024-07-15T12:00:00.000Z');
  const app = createEmulatorApp({ clients: [CLIENT_A, CLIENT_B], rateLimits: options.rateLimits ?? true, clock: () => new Date(now) });
  const { server, url } = await listen(app, 0);
  const sdk = (clientId: string, secret: string) =>
    new PlaidApi(
      new Configuration({ basePath: url, baseOptions: { headers: { 'PLAID-CLIENT-ID': clientId, 'PLAID-SECRET': secret } } }),
    );
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
    close: () => closeServer(server),
  };
}

/** Awaits a Plaid SDK call that must fail; checks status and the Plaid error body (validated against the spec); answers the body. */
export async function expectSdkError(
  call: Promise<unknown>,
  expected: { status: number; error_type?: string; error_code: string },
): Promise<Record<string, any>> {
  return (await expectSdkErrorWithHeaders(call, expected)).body;
}

/** One webhook the receiver got. */
export interface ReceivedWebhook {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  body: Record<string, any>;
}

export interface WebhookReceiver {
  /** Base URL; give each test its own path under it. */
  url: string;
  received: ReceivedWebhook[];
  /** Every webhook received at `path` (optionally only `code`), in arrival order. */
  at(path: string, code?: string): ReceivedWebhook[];
  /** Waits (up to 5 s) until a webhook with `code` has arrived at `path`. */
  waitFor(path: string, code: string): Promise<ReceivedWebhook>;
  close(): Promise<void>;
}

/** A local HTTP server that records webhooks (paths containing "fail" answer 500). */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const waiters: Array<() => void> = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, raw, body: JSON.parse(raw) });
      res.writeHead(req.url?.includes('fail') ? 500 : 200).end();
      waiters.splice(0).forEach((w) => w());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const at = (path: string, code?: string) => received.filter((r) => r.path === path && (!code || r.body.webhook_code === code));
  return {
    url,
    received,
    at,
    async waitFor(path, code) {
      const deadline = Date.now() + 5000;
      for (;;) {
        const hit = at(path, code)[0];
        if (hit) return hit;
        if (Date.now() > deadline) throw new Error(`no ${code} webhook at ${path}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
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
  expect(payload.request_body_sha256).toBe(createHash('sha256').update(hook.raw).digest('hex'));
  // Plaid's bodies use 2-space indentation (the hash is over these exact bytes).
  expect(hook.raw).toBe(JSON.stringify(hook.body, null, 2));
}
