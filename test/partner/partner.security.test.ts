/**
 * Security of the partner endpoints: what goes upstream (raw token, the
 * partner's Plaid keys, never the gateway keys), what never comes back (the raw
 * token, the Plaid secret), what is never audited, and that gateway tokens are
 * worthless anywhere else.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditEvents } from '../../src/db/schema';
import { expectPlaidError } from '../support/plaid-spec';
import { TEST_PLAID_CLIENT, type TestStack } from '../support/stack';
import { type BadUpstream, OK_AUTH_BODY, startBadUpstream } from '../upstream/bad-upstream';
import { type Fintech, type Partner, plaidHeaders, startWorldWithToken, type Token } from '../support/tenants';
import { emulatorPost, httpPost } from '../support/http';
import { plaidSdk } from '../support/sdk';

const RAW = 'processor-sandbox-11111111-2222-4333-8444-555555555555';
const PLAID = { clientId: 'partner_plaid_id_x', secret: 'partner_plaid_SECRET_do_not_leak_42' };

/** Every string that must never come back to a partner. */
function expectClean(text: string, extra: string[] = []) {
  for (const secret of [RAW, PLAID.secret, ...extra]) expect(text).not.toContain(secret);
}

describe('against a recording upstream', () => {
  let bad: BadUpstream;
  let stack: TestStack;
  let partner: Partner;
  let token: Token;
  beforeAll(async () => {
    bad = await startBadUpstream();
    ({ stack, partner, token } = await startWorldWithToken({
      http: true,
      env: { PLAID_BASE_URL: bad.url, UPSTREAM_TIMEOUT_MS: '300' },
      partner: { plaid: PLAID },
      rawToken: RAW,
    }));
  });
  afterAll(async () => {
    await stack?.close();
    await bad?.close();
  });
  beforeEach(() => bad.reset());

  it("sends the raw token and the partner's Plaid keys upstream, never the gateway token or keys", async () => {
    const res = await httpPost(stack, '/processor/auth/get', {
      client_id: partner.clientId,
      secret: partner.secret,
      processor_token: token.gatewayToken,
    });
    expect(res.status).toBe(200);
    expect(bad.requests).toHaveLength(1);
    const sent = bad.requests[0]!;
    expect(sent.body).toEqual({ processor_token: RAW });
    expect(sent.headers['plaid-client-id']).toBe(PLAID.clientId);
    expect(sent.headers['plaid-secret']).toBe(PLAID.secret);
    const everything = JSON.stringify(sent);
    expect(everything).not.toContain(token.gatewayToken);
    expect(everything).not.toContain(partner.secret);
    expect(everything).not.toContain(partner.clientId);
  });

  it('passes every other field through unchanged', async () => {
    bad.okBody = { request_id: 'x', scores: null, warnings: [] };
    try {
      const body = {
        processor_token: token.gatewayToken,
        client_transaction_id: 'txn-42',
        amount: 12.5,
        user_present: true,
        user: { name: { given_name: 'A', family_name: 'B' }, email_address: 'a@example.com' },
        device: { ip_address: '203.0.113.9' },
      };
      const res = await httpPost(stack, '/processor/signal/evaluate', body, plaidHeaders(partner));
      expect(res.status).toBe(200);
      expect(bad.requests[0]!.body).toEqual({ ...body, processor_token: RAW });
    } finally {
      bad.okBody = OK_AUTH_BODY;
    }
  });

  it("replaces Plaid's request_id with the gateway's, in success and error bodies", async () => {
    const ok = await httpPost(stack, '/processor/auth/get', { processor_token: token.gatewayToken }, plaidHeaders(partner));
    expect(ok.body.request_id).toBe(ok.headers.get('x-request-id'));
    expect(ok.text).not.toContain('UPSTREAMreq0001');
    bad.behaviour = 'plaid-400';
    const err = await httpPost(stack, '/processor/auth/get', { processor_token: token.gatewayToken }, plaidHeaders(partner));
    expect(err.body.request_id).toBe(err.headers.get('x-request-id'));
    expect(err.text).not.toContain('UPSTREAMerr0001');
  });

  it('never returns the raw token or the Plaid secret, even when the upstream echoes them', async () => {
    bad.behaviour = 'echo-secrets';
    const res = await httpPost(stack, '/processor/auth/get', { processor_token: token.gatewayToken }, plaidHeaders(partner));
    expect(res.status).toBe(400);
    expectPlaidError(res.body, { error_code: 'INVALID_FIELD' });
    expect(res.body.error_message).toContain('[redacted]');
    expectClean(res.text);
    expectClean(JSON.stringify([...res.headers]));
  });

  it('never answers the raw token or Plaid secret on any failure path', async () => {
    for (const behaviour of ['ok', 'hang', 'reset', 'html-500', 'text-200', 'plaid-503', 'plaid-429'] as const) {
      bad.behaviour = behaviour;
      const res = await httpPost(stack, '/processor/auth/get', { processor_token: token.gatewayToken }, plaidHeaders(partner));
      expectClean(res.text);
      expectClean(JSON.stringify([...res.headers]));
    }
  });

  it('never writes tokens, keys or request values into the audit trail', async () => {
    await httpPost(
      stack,
      '/processor/identity/match',
      { processor_token: token.gatewayToken, user: { legal_name: 'Zed Secretname', email_address: 'zed@example.org' } },
      plaidHeaders(partner),
    );
    bad.behaviour = 'echo-secrets';
    await httpPost(stack, '/processor/auth/get', { processor_token: token.gatewayToken }, plaidHeaders(partner));
    const rows = await stack.deps.db.select().from(auditEvents);
    expect(rows.length).toBeGreaterThan(0);
    const dump = JSON.stringify(rows);
    expectClean(dump, [token.gatewayToken, partner.secret, 'Zed Secretname', 'zed@example.org']);
  });
});

describe('against the emulator', () => {
  let stack: TestStack;
  let partner: Partner;
  let fintech: Fintech;
  let token: Token;
  beforeAll(async () => {
    ({ stack, partner, fintech, token } = await startWorldWithToken({ http: true }));
  });
  afterAll(async () => stack?.close());

  it('answers every endpoint without the raw token or the Plaid secret in the body', async () => {
    const sdk = plaidSdk(stack.url, partner);
    const p = token.gatewayToken;
    const answers = await Promise.all([
      sdk.processorAuthGet({ processor_token: p }),
      sdk.processorBalanceGet({ processor_token: p }),
      sdk.processorIdentityMatch({ processor_token: p, user: { legal_name: 'Alberta Charleson' } }),
      sdk.processorSignalEvaluate({ processor_token: p, client_transaction_id: 'sec-1', amount: 3 }),
      sdk.processorTransactionsSync({ processor_token: p, count: 5 }),
    ]);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      const text = JSON.stringify(answer.data) + JSON.stringify(answer.headers);
      expect(text).not.toContain(token.rawToken);
      expect(text).not.toContain(TEST_PLAID_CLIENT.secret);
    }
  });

  it('a gateway token is worthless at Plaid, and a raw token is worthless at the gateway', async () => {
    const atPlaid = await emulatorPost(stack, '/processor/auth/get', { processor_token: token.gatewayToken });
    expect(atPlaid.status).toBe(400);
    expect(atPlaid.body.error_code).toBe('INVALID_PROCESSOR_TOKEN');
    const atGateway = await httpPost(stack, '/processor/auth/get', { processor_token: token.rawToken }, plaidHeaders(partner));
    expect(atGateway.status).toBe(400);
    expect(atGateway.body.error_code).toBe('INVALID_PROCESSOR_TOKEN');
  });

  it("a partner's gateway keys are not Plaid keys, and Plaid keys are not gateway keys", async () => {
    const viaGateway = await httpPost(stack, '/processor/auth/get', { processor_token: token.gatewayToken }, {
      'plaid-client-id': TEST_PLAID_CLIENT.clientId,
      'plaid-secret': TEST_PLAID_CLIENT.secret,
    });
    expectPlaidError(viaGateway.body, { error_code: 'INVALID_API_KEYS' });
    const atPlaid = await emulatorPost(stack, '/processor/auth/get', { processor_token: token.rawToken }, {
      clientId: partner.clientId,
      secret: partner.secret,
    });
    expect(atPlaid.body.error_code).toBe('INVALID_API_KEYS');
  });

  it("a fintech's keys cannot call partner endpoints, even for the fintech's own token", async () => {
    const res = await httpPost(stack, '/processor/auth/get', { processor_token: token.gatewayToken }, plaidHeaders(fintech));
    expect(res.status).toBe(400);
    expectPlaidError(res.body, { error_code: 'INVALID_API_KEYS' });
    expectClean(res.text, [token.rawToken]);
  });
});
