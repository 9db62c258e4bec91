import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, type ClientKeys, createWorld, importToken, plaidHeaders, post } from './helpers';

/**
 * The whole flow of the design inside workerd: operator API, fintech import,
 * the seven partner endpoints through the Worker to the emulator over HTTP,
 * permission narrowing and revocation, then the audit chain verified.
 */
let partner: ClientKeys;
let fintech: ClientKeys;
let gatewayToken: string;

beforeAll(async () => {
  const world = await createWorld('Worker');
  ({ partner, fintech } = world);
  const imported = await importToken(world);
  gatewayToken = imported.gatewayToken;
  expect(gatewayToken).not.toBe(imported.raw);
});

describe('partner endpoints in workerd', () => {
  it('auth/get answers Plaid account numbers with the gateway request_id', async () => {
    const res = await post('/processor/auth/get', { processor_token: gatewayToken }, plaidHeaders(partner));
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
      const res = await post(path, { processor_token: gatewayToken, ...extra }, plaidHeaders(partner));
      expect(res.status, path).toBe(200);
      expect(typeof res.body.request_id, path).toBe('string');
    }
  });

  it('a narrowed permission set refuses the product; revocation refuses everything', async () => {
    const narrowed = await post(
      '/processor/token/permissions/set',
      { processor_token: gatewayToken, products: ['auth'] },
      plaidHeaders(fintech),
    );
    expect(narrowed.status).toBe(200);
    const refused = await post('/processor/balance/get', { processor_token: gatewayToken }, plaidHeaders(partner));
    expect(refused.status).toBe(400);
    expect(refused.body.error_type).toBe('INVALID_INPUT');
    expect((await post('/processor/auth/get', { processor_token: gatewayToken }, plaidHeaders(partner))).status).toBe(200);

    const revoked = await post('/gateway/processor_token/revoke', { processor_token: gatewayToken }, plaidHeaders(fintech));
    expect(revoked.status).toBe(200);
    const after = await post('/processor/auth/get', { processor_token: gatewayToken }, plaidHeaders(partner));
    expect(after.body.error_code).toBe('INVALID_PROCESSOR_TOKEN');
  });

  it('a partner credential does not work on fintech routes', async () => {
    const res = await post('/gateway/processor_token/revoke', { processor_token: gatewayToken }, plaidHeaders(partner));
    expect(res.body.error_code).toBe('INVALID_API_KEYS');
  });

  it('the audit trail written by the Worker verifies', async () => {
    const res = await SELF.fetch('http://gateway.test/audit/verify', { headers: adminHeaders() });
    const body = (await res.json()) as { ok: boolean; checked: number };
    expect(res.status).toBe(200);
    expect(body.ok).toBe(true);
    expect(body.checked).toBeGreaterThan(10);
  });
});
