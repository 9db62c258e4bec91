import { errors } from '../plaid/errors';
import type { PlaidCredentials, PlaidUpstream, UpstreamResponse } from './client';

/**
 * PLACEHOLDER (issue 5 replaces it with pooling, retries and failure mapping):
 * calls Plaid with global fetch and a timeout.
 */
export function createHttpUpstream(options: { baseUrl: string; timeoutMs: number }): PlaidUpstream {
  return {
    async call(path: string, body: Record<string, unknown>, credentials: PlaidCredentials): Promise<UpstreamResponse> {
      const res = await fetch(new URL(path, options.baseUrl), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'plaid-client-id': credentials.clientId,
          'plaid-secret': credentials.secret,
          'plaid-version': '2020-09-14',
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs),
      }).catch(() => {
        throw errors.internal('the upstream Plaid API could not be reached');
      });
      const parsed = (await res.json().catch(() => null)) as Record<string, unknown> | null;
      if (!parsed) throw errors.internal('the upstream Plaid API answered an unreadable body');
      return { status: res.status, body: parsed, plaidRequestId: (parsed.request_id as string) ?? null };
    },
  };
}
