/** Starts the emulator over real HTTP with a controllable clock; Plaid SDK clients for two Plaid clients. */
import { Configuration, PlaidApi } from 'plaid';
import { expect } from 'vitest';
import { createEmulatorApp, type EmulatorApp, type EmulatorClient } from '../../src/emulator/app';
import { closeServer, listen } from '../../src/node/serve';
import { expectPlaidError } from '../support/plaid-spec';

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

/** Awaits a Plaid SDK call that must fail; checks status and the Plaid error body (validated against the spec). */
export async function expectSdkError(
  call: Promise<unknown>,
  expected: { status: number; error_type?: string; error_code: string },
): Promise<Record<string, any>> {
  try {
    await call;
  } catch (err) {
    // SDK errors are axios errors: the HTTP answer is on err.response.
    const response = (err as { response?: { status: number; data: unknown } }).response;
    if (!response) throw err;
    expect(response.status).toBe(expected.status);
    expectPlaidError(response.data, expected);
    return response.data as Record<string, any>;
  }
  throw new Error(`expected ${expected.error_code}, but the call succeeded`);
}
