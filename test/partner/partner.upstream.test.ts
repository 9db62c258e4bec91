/**
 * Upstream failures seen through the gateway: a misbehaving "Plaid" (timeouts,
 * resets, HTML, non-JSON, 503) gives the partner API_ERROR promptly, the audit
 * record says what happened, reads are retried once after a reset and the
 * Signal reports never are.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectPlaidError } from '../support/plaid-spec';
import { type TestStack } from '../support/stack';
import { type BadUpstream, OK_AUTH_BODY, startBadUpstream } from '../upstream/bad-upstream';
import { auditRecordFor } from '../support/audit';
import { type Partner, plaidHeaders, startWorldWithToken, type Token } from '../support/tenants';
import { httpPost } from '../support/http';

const TIMEOUT_MS = 300;
let bad: BadUpstream;
let stack: TestStack;
let partner: Partner;
let token: Token;

beforeAll(async () => {
  bad = await startBadUpstream();
  ({ stack, partner, token } = await startWorldWithToken({
    http: true,
    env: { PLAID_BASE_URL: bad.url, UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS) },
    rawToken: 'processor-sandbox-6d1c4bde-2b0f-4a57-9d3e-0a1b2c3d4e5f',
  }));
});
afterAll(async () => {
  await stack?.close();
  await bad?.close();
});
beforeEach(() => bad.reset());

const call = (path: string, extra: Record<string, unknown> = {}) =>
  httpPost(stack, path, { processor_token: token.gatewayToken, ...extra }, plaidHeaders(partner));
const decisionReport = () => call('/processor/signal/decision/report', { client_transaction_id: 'txn-9', initiated: true });
const returnReport = () => call('/processor/signal/return/report', { client_transaction_id: 'txn-9', return_code: 'R01' });

describe('upstream failures become API_ERROR, promptly', () => {
  it('a hanging upstream: 500 INTERNAL_SERVER_ERROR after the timeout, recorded as upstream_timeout', async () => {
    bad.behaviour = 'hang';
    const started = performance.now();
    const res = await call('/processor/auth/get');
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + 2000);
    expect(res.status).toBe(500);
    expectPlaidError(res.body, { error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR' });
    expect(res.body.error_message).toContain('did not answer');
    const record = await auditRecordFor(stack, res.body.request_id);
    expect(record).toMatchObject({ decision: 'error', reason: 'upstream_timeout', httpStatus: 500, plaidStatus: null, tokenId: token.tokenId });
    expect(bad.requests).toHaveLength(1);
  });

  it('an upstream that stops mid-body: 500 after the timeout', async () => {
    bad.behaviour = 'body-hang';
    const started = performance.now();
    const res = await call('/processor/balance/get');
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + 2000);
    expectPlaidError(res.body, { error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR' });
  });

  it('connection resets on every attempt: 500 after exactly one retry', async () => {
    bad.behaviour = 'reset';
    const res = await call('/processor/auth/get');
    expect(res.status).toBe(500);
    expectPlaidError(res.body, { error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR' });
    expect(bad.requests).toHaveLength(2);
    expect((await auditRecordFor(stack, res.body.request_id)).reason).toBe('upstream_network');
  });

  it('a 500 HTML page: 500 INTERNAL_SERVER_ERROR, upstream status recorded', async () => {
    bad.behaviour = 'html-500';
    const res = await call('/processor/identity/match');
    expect(res.status).toBe(500);
    expectPlaidError(res.body, { error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR' });
    expect(res.text).not.toContain('<html>');
    const record = await auditRecordFor(stack, res.body.request_id);
    expect(record).toMatchObject({ decision: 'error', reason: 'upstream_bad_response', plaidStatus: 500 });
    expect(bad.requests).toHaveLength(1); // answers are never retried
  });

  it('a 200 that is not JSON: 500 INTERNAL_SERVER_ERROR', async () => {
    bad.behaviour = 'text-200';
    const res = await call('/processor/transactions/sync');
    expect(res.status).toBe(500);
    expectPlaidError(res.body, { error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR' });
  });

  it("a 503 with Plaid's PLANNED_MAINTENANCE passes through with the gateway's request_id", async () => {
    bad.behaviour = 'plaid-503';
    const res = await call('/processor/auth/get');
    expect(res.status).toBe(503);
    expectPlaidError(res.body, { error_type: 'API_ERROR', error_code: 'PLANNED_MAINTENANCE' });
    expect(res.body.request_id).not.toBe('UPSTREAMerr0001');
    expect(res.body.request_id).toBe(res.headers.get('x-request-id'));
    const record = await auditRecordFor(stack, res.body.request_id);
    expect(record).toMatchObject({ decision: 'error', reason: 'plaid_PLANNED_MAINTENANCE', plaidStatus: 503, plaidRequestId: 'UPSTREAMerr0001' });
  });

  it('a 503 without a Plaid body: 503 PLANNED_MAINTENANCE', async () => {
    bad.behaviour = 'html-503';
    const res = await call('/processor/auth/get');
    expect(res.status).toBe(503);
    expectPlaidError(res.body, { error_type: 'API_ERROR', error_code: 'PLANNED_MAINTENANCE' });
  });

  it("Plaid's own 429 passes through with its Retry-After", async () => {
    bad.behaviour = 'plaid-429';
    const res = await call('/processor/auth/get');
    expect(res.status).toBe(429);
    expectPlaidError(res.body, { error_type: 'RATE_LIMIT_EXCEEDED', error_code: 'AUTH_LIMIT' });
    expect(res.headers.get('retry-after')).toBe('7');
  });
});

describe('Plaid-Version', () => {
  it("passes the partner's Plaid-Version upstream unchanged, and the gateway's own when there is none (or it is not a version)", async () => {
    bad.behaviour = 'ok';
    await httpPost(stack, '/processor/auth/get', { processor_token: token.gatewayToken }, { ...plaidHeaders(partner), 'plaid-version': '2099-01-02' });
    await httpPost(stack, '/processor/auth/get', { processor_token: token.gatewayToken }, plaidHeaders(partner));
    await httpPost(stack, '/processor/auth/get', { processor_token: token.gatewayToken }, { ...plaidHeaders(partner), 'plaid-version': 'latest' });
    expect(bad.requests.map((r) => r.headers['plaid-version'])).toEqual(['2099-01-02', '2020-09-14', '2020-09-14']);
  });
});

describe('retries', () => {
  it('a read is retried once after a reset and then succeeds', async () => {
    bad.behaviour = 'reset-once';
    const res = await call('/processor/auth/get');
    expect(res.status).toBe(200);
    expect(res.body.numbers.ach.routing).toBe('011401533');
    expect(bad.requests).toHaveLength(2);
    expect((await auditRecordFor(stack, res.body.request_id)).decision).toBe('allow');
  });

  it('signal/evaluate is a read: retried once', async () => {
    bad.behaviour = 'reset-once';
    bad.okBody = { scores: null, warnings: [], request_id: 'UPSTREAMsig0001' };
    try {
      const res = await call('/processor/signal/evaluate', { client_transaction_id: 'txn-9', amount: 5 });
      expect(res.status).toBe(200);
      expect(bad.requests).toHaveLength(2);
    } finally {
      bad.okBody = OK_AUTH_BODY;
    }
  });

  it('the decision report is never retried', async () => {
    bad.behaviour = 'reset-once';
    const res = await decisionReport();
    expect(res.status).toBe(500);
    expectPlaidError(res.body, { error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR' });
    expect(bad.requests).toHaveLength(1);
  });

  it('the return report is never retried', async () => {
    bad.behaviour = 'reset-once';
    const res = await returnReport();
    expect(res.status).toBe(500);
    expect(bad.requests).toHaveLength(1);
  });

  it('a timed-out report is not retried either', async () => {
    bad.behaviour = 'hang';
    const res = await decisionReport();
    expect(res.status).toBe(500);
    expect(bad.requests).toHaveLength(1);
  });
});
