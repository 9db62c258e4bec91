/** The official plaid SDK pointed at the gateway with a fintech's gateway keys. */
import { Configuration, PlaidApi } from 'plaid';
import type { TestStack } from '../support/stack';

export function fintechSdk(stack: TestStack, client: { clientId: string; secret: string }): PlaidApi {
  return new PlaidApi(
    new Configuration({
      basePath: stack.url,
      baseOptions: { headers: { 'PLAID-CLIENT-ID': client.clientId, 'PLAID-SECRET': client.secret } },
    }),
  );
}

/** The Plaid error the SDK rejected with (status and body), or a failure if the call succeeded. */
export async function sdkError(promise: Promise<unknown>): Promise<{ status: number; body: any }> {
  try {
    await promise;
  } catch (err: any) {
    if (err?.response) return { status: err.response.status, body: err.response.data };
    throw err;
  }
  throw new Error('expected the call to fail');
}
