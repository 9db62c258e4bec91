import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PlaidUpstream } from '../../src/upstream/client';
import { UpstreamFailure } from '../../src/upstream/errors';
import { createHttpUpstream, fetchTransport, PLAID_VERSION } from '../../src/upstream/http';
import { createNodeUpstream } from '../../src/upstream/node';
import { rejectionOf } from '../support/rejection';
import { type BadUpstream, OK_AUTH_BODY, startBadUpstream } from './bad-upstream';

const CREDS = { clientId: 'partner_plaid_client', secret: 'partner_plaid_secret_value' };
const TIMEOUT_MS = 400;

let server: BadUpstream;
beforeAll(async () => {
  server = await startBadUpstream();
});
afterAll(async () => server?.close());
beforeEach(() => server.reset());

const failure = (promise: Promise<unknown>) => rejectionOf(promise, UpstreamFailure);

const transports: Array<[string, (url: string) => PlaidUpstream]> = [
  ['undici pool (Node)', (url) => createNodeUpstream({ baseUrl: url, timeoutMs: TIMEOUT_MS })],
  ['fetch (Workers)', (url) => createHttpUpstream({ baseUrl: url, timeoutMs: TIMEOUT_MS, transport: fetchTransport() })],
];

describe.each(transports)('upstream client over %s', (_name, make) => {
  let upstream: PlaidUpstream;
  beforeAll(() => {
    upstream = make(server.url);
  });
  afterAll(async () => upstream?.close?.());

  it("POSTs JSON with the partner's Plaid keys in headers and Plaid-Version 2020-09-14", async () => {
    const res = await upstream.call('/processor/auth/get', { processor_token: 'processor-sandbox-x' }, CREDS);
    expect(res).toEqual({ status: 200, body: OK_AUTH_BODY, plaidRequestId: 'UPSTREAMreq0001', retryAfter: null });
    expect(server.requests).toHaveLength(1);
    const [req] = server.requests;
    expect(req!.path).toBe('/processor/auth/get');
    expect(req!.body).toEqual({ processor_token: 'processor-sandbox-x' });
    expect(req!.headers['plaid-client-id']).toBe(CREDS.clientId);
    expect(req!.headers['plaid-secret']).toBe(CREDS.secret);
    expect(req!.headers['plaid-version']).toBe(PLAID_VERSION);
    expect(PLAID_VERSION).toBe('2020-09-14');
    expect(req!.headers['content-type']).toBe('application/json');
  });

  it("returns Plaid's error answers as they are (status and body), with Retry-After on a 429", async () => {
    server.behaviour = 'plaid-400';
    const res = await upstream.call('/processor/auth/get', {}, CREDS);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED' });
    expect(res.plaidRequestId).toBe('UPSTREAMerr0001');

    server.behaviour = 'plaid-429';
    const limited = await upstream.call('/processor/auth/get', {}, CREDS);
    expect(limited.status).toBe(429);
    expect(limited.retryAfter).toBe('7');
    expect(server.requests).toHaveLength(2); // no retries on answers
  });

  it('passes a 503 carrying a Plaid error through unchanged', async () => {
    server.behaviour = 'plaid-503';
    const res = await upstream.call('/processor/auth/get', {}, CREDS);
    expect(res.status).toBe(503);
    expect(res.body.error_code).toBe('PLANNED_MAINTENANCE');
  });

  it('times out a hanging upstream after the per-call timeout, without retrying', async () => {
    server.behaviour = 'hang';
    const started = performance.now();
    const err = await failure(upstream.call('/processor/auth/get', {}, CREDS));
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 1500);
    expect(err).toMatchObject({ kind: 'timeout', type: 'API_ERROR', code: 'INTERNAL_SERVER_ERROR', status: 500, attempts: 1 });
    expect(err.message).toContain(`${TIMEOUT_MS} ms`);
    expect(server.requests).toHaveLength(1);
  });

  it('times out when the body stops mid-way', async () => {
    server.behaviour = 'body-hang';
    const started = performance.now();
    const err = await failure(upstream.call('/processor/auth/get', {}, CREDS));
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + 1500);
    expect(err.kind).toBe('timeout');
  });

  it('retries a read once after a connection reset before any response', async () => {
    server.behaviour = 'reset-once';
    const res = await upstream.call('/processor/auth/get', { processor_token: 't' }, CREDS);
    expect(res.status).toBe(200);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.body).toEqual({ processor_token: 't' });
  });

  it('gives up after the one retry when every attempt is reset', async () => {
    server.behaviour = 'reset';
    const err = await failure(upstream.call('/processor/auth/get', {}, CREDS));
    expect(err).toMatchObject({ kind: 'network', code: 'INTERNAL_SERVER_ERROR', status: 500, attempts: 2 });
    expect(server.requests).toHaveLength(2);
  });

  it('never retries a non-idempotent call (signal reports)', async () => {
    server.behaviour = 'reset-once';
    const err = await failure(
      upstream.call('/processor/signal/decision/report', { client_transaction_id: 'x' }, CREDS, { idempotent: false }),
    );
    expect(err).toMatchObject({ kind: 'network', attempts: 1 });
    expect(server.requests).toHaveLength(1);
  });

  it('maps a 500 HTML page to API_ERROR INTERNAL_SERVER_ERROR', async () => {
    server.behaviour = 'html-500';
    const err = await failure(upstream.call('/processor/auth/get', {}, CREDS));
    expect(err).toMatchObject({ kind: 'bad_response', code: 'INTERNAL_SERVER_ERROR', status: 500, upstreamStatus: 500 });
    expect(err.message).toContain('HTTP 500');
    expect(server.requests).toHaveLength(1);
  });

  it('maps a 503 without a Plaid body to API_ERROR PLANNED_MAINTENANCE (503)', async () => {
    server.behaviour = 'html-503';
    const err = await failure(upstream.call('/processor/auth/get', {}, CREDS));
    expect(err).toMatchObject({ type: 'API_ERROR', code: 'PLANNED_MAINTENANCE', status: 503 });
  });

  it('maps a 200 that is not JSON, or not an object, to API_ERROR', async () => {
    server.behaviour = 'text-200';
    expect(await failure(upstream.call('/processor/auth/get', {}, CREDS))).toMatchObject({
      kind: 'bad_response',
      code: 'INTERNAL_SERVER_ERROR',
      upstreamStatus: 200,
    });
    server.behaviour = 'array-200';
    expect((await failure(upstream.call('/processor/auth/get', {}, CREDS))).kind).toBe('bad_response');
  });

  it('does not follow redirects (a redirect is not a Plaid answer)', async () => {
    server.behaviour = 'redirect';
    const err = await failure(upstream.call('/processor/auth/get', {}, CREDS));
    expect(err).toMatchObject({ kind: 'bad_response', upstreamStatus: 307 });
  });

  it('keeps failure messages free of keys and request data', async () => {
    for (const behaviour of ['html-500', 'text-200', 'reset', 'hang'] as const) {
      server.behaviour = behaviour;
      const err = await failure(upstream.call('/processor/auth/get', { processor_token: 'processor-sandbox-SECRETTOKEN' }, CREDS));
      expect(err.message).not.toContain('SECRETTOKEN');
      expect(err.message).not.toContain(CREDS.secret);
    }
  });
});

describe('Node upstream connection reuse', () => {
  it('reuses keep-alive connections for sequential calls', async () => {
    const upstream = createNodeUpstream({ baseUrl: server.url, timeoutMs: 2000 });
    try {
      for (let i = 0; i < 20; i++) expect((await upstream.call('/processor/auth/get', {}, CREDS)).status).toBe(200);
      expect(server.requests).toHaveLength(20);
      // undici may open another socket while one is being released, but never one per call.
      expect(server.connections).toBeLessThan(5);
    } finally {
      await upstream.close?.();
    }
  });

  it('close() destroys the pool: later calls fail fast instead of hanging', async () => {
    const upstream = createNodeUpstream({ baseUrl: server.url, timeoutMs: 2000 });
    await upstream.call('/processor/auth/get', {}, CREDS);
    await upstream.close?.();
    const started = performance.now();
    await failure(upstream.call('/processor/auth/get', {}, CREDS));
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('keeps a base URL path prefix', async () => {
    const upstream = createNodeUpstream({ baseUrl: `${server.url}/plaid/`, timeoutMs: 2000 });
    try {
      await upstream.call('/processor/auth/get', {}, CREDS);
      expect(server.requests[0]!.path).toBe('/plaid/processor/auth/get');
    } finally {
      await upstream.close?.();
    }
  });
});
