/**
 * The official plaid SDK in tests: a client pointed at the gateway, and the
 * one way to read a call the SDK rejected (it throws axios errors whose
 * `response` holds Plaid's answer).
 */
import { Agent as HttpAgent } from 'node:http';
import { Configuration, PlaidApi } from 'plaid';
import { expect } from 'vitest';
import { expectPlaidError } from './plaid-spec';

/**
 * The SDK pointed at `basePath` with Plaid-style keys (a partner's or a
 * fintech's gateway keys, or Plaid keys). A connection per call, so that a slow
 * step (such as the first spec validation) never races a server's keep-alive timeout.
 */
export function plaidSdk(basePath: string, client: { clientId: string; secret: string }): PlaidApi {
  return new PlaidApi(
    new Configuration({
      basePath,
      baseOptions: {
        headers: { 'PLAID-CLIENT-ID': client.clientId, 'PLAID-SECRET': client.secret },
        httpAgent: new HttpAgent({ keepAlive: false }),
      },
    }),
  );
}

/** The Plaid answer the SDK rejected with (status, body, headers); fails if the call succeeded. */
export async function sdkError(
  call: Promise<unknown>,
): Promise<{ status: number; body: any; headers: Record<string, string> }> {
  try {
    await call;
  } catch (err) {
    const response = (err as { response?: { status: number; data: unknown; headers: Record<string, string> } }).response;
    if (!response) throw err;
    return { status: response.status, body: response.data, headers: response.headers };
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** sdkError, checked: the status and Plaid's error body (validated against the spec). */
export async function expectSdkError(
  call: Promise<unknown>,
  expected: { status: number; error_type?: string; error_code: string },
): Promise<{ body: Record<string, any>; headers: Record<string, string> }> {
  const { status, body, headers } = await sdkError(call);
  expect(status).toBe(expected.status);
  expectPlaidError(body, expected);
  return { body, headers };
}
