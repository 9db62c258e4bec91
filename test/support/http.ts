/**
 * Requests over real HTTP, for tests that need the wire (malformed bodies,
 * header checks, a gateway process) and for the emulator's own routes.
 */
import { request } from 'undici';
import type { EmulatorClient } from '../../src/emulator/app';
import { TEST_PLAID_CLIENT, type EmulatorHandle } from './stack';

export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the text when the answer is not JSON. */
  body: any;
  text: string;
}

/**
 * One request on a fresh connection (`reset: true`): test helpers never reuse
 * an idle keep-alive socket the server may be closing at that very moment.
 * A string body is sent as it is; anything else as JSON.
 */
export async function httpRequest(
  method: string,
  url: string,
  init: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  const res = await request(url, {
    method: method as 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
    reset: true,
  });
  const text = await res.body.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return { status: res.statusCode, headers, body: parsed, text };
}

/** A POST to the gateway under test over HTTP (the stack must be started with `http: true`). */
export function httpPost(
  stack: { url: string },
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  if (!stack.url) throw new Error('httpPost: the gateway is not served over HTTP (start the stack with http: true)');
  return httpRequest('POST', stack.url + path, { body, headers });
}

/** A POST straight to the emulator with `plaid` keys (what Plaid answers for a raw token, or a Sandbox control). */
export async function emulatorPost(
  stack: { emulator: { url: string } },
  path: string,
  body: Record<string, unknown>,
  plaid: EmulatorClient = TEST_PLAID_CLIENT,
): Promise<{ status: number; body: any }> {
  const res = await httpRequest('POST', stack.emulator.url + path, {
    body,
    headers: { 'plaid-client-id': plaid.clientId, 'plaid-secret': plaid.secret },
  });
  return { status: res.status, body: res.body };
}

/**
 * A Sandbox control on the emulator that must succeed (fails the test
 * otherwise), then waits until the webhooks it fired have gone out.
 */
export async function emulatorControl(
  stack: { emulator: EmulatorHandle },
  path: string,
  body: Record<string, unknown>,
  plaid: EmulatorClient = TEST_PLAID_CLIENT,
): Promise<any> {
  const res = await emulatorPost(stack, path, body, plaid);
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
  await stack.emulator.app.emulator.flushWebhooks();
  return res.body;
}
