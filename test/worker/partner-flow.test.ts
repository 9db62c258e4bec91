import { env, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The whole flow of the design inside workerd: operator API, fintech import,
 * the seven partner endpoints through the Worker to the emulator over HTTP,
 * permission narrowing and revocation, then the audit chain verified.
 */
const WORKER_PLAID_CLIENT = { client_id: 'worker_plaid_client', secret: 'worker_plaid_secret_0000000000' };
const bindings = env as unknown as { TEST_ADMIN_KEY: string; TEST_EMULATOR_URL: string };

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await SELF.fetch(`http://gateway.test${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any>, headers: res.headers };
}

const admin = () => ({ authorization: `Bearer ${bindings.TEST_ADMIN_KEY}` });
const keys = (c: { client_id: string; secret: string }) => ({ 'PLAID-CLIENT-ID': c.client_id, 'PLAID-SECRET': c.secret });

let partner: { partner_id: string; client_id: string; secret: string };
let fintech: { fintech_id: string; client_id: string; secret: string };
let gatewayToken: string;

beforeAll(async () => {
  const p = await post(
    '/admin/partners',
    { name: 'Worker Partner', processor: 'dwolla', plaid: WORKER_PLAID_CLIENT },
    admin(),
  );
  expect(p.status).toBe(201);
  partner = p.body as typeof partner;
  const f = await post('/admin/fintechs', { name: 'Worker Fintech' }, admin());
  expect(f.status).toBe(201);
  fintech = f.body as typeof fintech;

  // The fintech gets a raw token from the emulator (outbound fetch from workerd).
  const minted = await fetch(`${bindings.TEST_EMULATOR_URL}/sandbox/processor_token/create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...WORKER_PLAID_CLIENT, institution_id: 'ins_109508' }),
  });
  const raw = ((await minted.json()) as { processor_token: string }).processor_token;
  const imported = await post(
    '/gateway/processor_token/import',
    { processor_token: raw, partner_id: partner.partner_id },
    keys(fintech),
  );
  expect(imported.status).toBe(200);
  gatewayToken = imported.body.processor_token;
  expect(gatewayToken).not.toBe(raw);
});

describe('partner endpoints in workerd', () => {
  it('auth/get answers Plaid account numbers with the gateway request_id', async () => {
    const res = await post('/processor/auth/get', { processor_token: gatewayToken }, keys(partner));
    expect(res.status).toBe(200);
    expect(res.body.account.mask).toBe('0000');
    expect(res.body.numbers.ach.routing).toMatch(/^\d{9}$/);
    expect(res.body.request_id).toBe(res.headers.get('x-request-id'));
  });

  it('balance, identity match, signal evaluate/decision/return and transactions sync all answer 200', async () => {
    const calls: Array<[string, Record<string, unknown>]> = [
      ['/processor/balance/get', {}],
      ['/processor/identity/match', { user: { legal_name: 'Alberta Bobbeth Charleson' } }],
      ['/processor/signal/evaluate', { client_transaction_id: 'wtx-1', amount: 42.5 }],
      ['/processor/signal/decision/report', { client_transaction_id: 'wtx-1', initiated: true }],
      ['/processor/signal/return/report', { client_transaction_id: 'wtx-1', return_code: 'R01' }],
      ['/processor/transactions/sync', { count: 50 }],
    ];
    for (const [path, extra] of calls) {
      const res = await post(path, { processor_token: gatewayToken, ...extra }, keys(partner));
      expect(res.status, path).toBe(200);
      expect(typeof res.body.request_id, path).toBe('string');
    }
  });

  it('a narrowed permission set refuses the product; revocation refuses everything', async () => {
    const narrowed = await post(
      '/processor/token/permissions/set',
      { processor_token: gatewayToken, products: ['auth'] },
      keys(fintech),
    );
    expect(narrowed.status).toBe(200);
    const refused = await post('/processor/balance/get', { processor_token: gatewayToken }, keys(partner));
    expect(refused.status).toBe(400);
    expect(refused.body.error_type).toBe('INVALID_INPUT');
    expect((await post('/processor/auth/get', { processor_token: gatewayToken }, keys(partner))).status).toBe(200);

    const revoked = await post('/gateway/processor_token/revoke', { processor_token: gatewayToken }, keys(fintech));
    expect(revoked.status).toBe(200);
    const after = await post('/processor/auth/get', { processor_token: gatewayToken }, keys(partner));
    expect(after.body.error_code).toBe('INVALID_PROCESSOR_TOKEN');
  });

  it('a partner credential does not work on fintech routes', async () => {
    const res = await post('/gateway/processor_token/revoke', { processor_token: gatewayToken }, keys(partner));
    expect(res.body.error_code).toBe('INVALID_API_KEYS');
  });

  it('the audit trail written by the Worker verifies', async () => {
    const res = await SELF.fetch('http://gateway.test/audit/verify', { headers: admin() });
    const body = (await res.json()) as { ok: boolean; checked: number };
    expect(res.status).toBe(200);
    expect(body.ok).toBe(true);
    expect(body.checked).toBeGreaterThan(10);
  });
});
