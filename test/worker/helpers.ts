/**
 * What the workerd tests share: requests to the Worker under test (SELF), the
 * operator and client headers, and a partner, a fintech and imported tokens
 * made through the Worker's own API.
 */
import { env, SELF } from 'cloudflare:test';
import { expect } from 'vitest';

export const WORKER_PLAID_CLIENT = { client_id: 'worker_plaid_client', secret: 'worker_plaid_secret_0000000000' };

export const bindings = env as unknown as {
  TEST_ADMIN_KEY: string;
  TEST_EMULATOR_URL: string;
  TEST_STATEMENT_COUNTER_URL: string;
  TEST_RELAY_URL: string;
};

export interface ClientKeys {
  client_id: string;
  secret: string;
}

export async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await SELF.fetch(`http://gateway.test${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any>, headers: res.headers };
}

/** The operator key as a bearer header. */
export const adminHeaders = () => ({ authorization: `Bearer ${bindings.TEST_ADMIN_KEY}` });
/** A gateway client's keys as Plaid's headers. */
export const plaidHeaders = (c: ClientKeys) => ({ 'PLAID-CLIENT-ID': c.client_id, 'PLAID-SECRET': c.secret });

/** A partner (with the emulator's Plaid keys) and a fintech, made with the operator API. */
export async function createWorld(name: string) {
  const p = await post('/admin/partners', { name: `${name} Partner`, processor: 'dwolla', plaid: WORKER_PLAID_CLIENT }, adminHeaders());
  expect(p.status).toBe(201);
  const f = await post('/admin/fintechs', { name: `${name} Fintech` }, adminHeaders());
  expect(f.status).toBe(201);
  return {
    partner: p.body as ClientKeys & { partner_id: string },
    fintech: f.body as ClientKeys & { fintech_id: string },
  };
}

/** A raw token from the emulator (outbound fetch from workerd), imported by the fintech for the partner. */
export async function importToken(world: Awaited<ReturnType<typeof createWorld>>): Promise<{ raw: string; gatewayToken: string }> {
  const minted = await fetch(`${bindings.TEST_EMULATOR_URL}/sandbox/processor_token/create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...WORKER_PLAID_CLIENT, institution_id: 'ins_109508' }),
  });
  const body = (await minted.json()) as { processor_token?: string };
  if (minted.status !== 200 || typeof body.processor_token !== 'string') {
    throw new Error(`the emulator did not create a processor token: ${minted.status} ${JSON.stringify(body)}`);
  }
  const raw = body.processor_token;
  const imported = await post('/gateway/processor_token/import', { processor_token: raw, partner_id: world.partner.partner_id }, plaidHeaders(world.fintech));
  expect(imported.status).toBe(200);
  return { raw, gatewayToken: imported.body.processor_token as string };
}
