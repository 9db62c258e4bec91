/**
 * GET /metrics after a real flow through the gateway: operator changes, token
 * imports, allowed partner calls, a denied one (INVALID_PRODUCT), two refused
 * by the gateway's rate limits (one per scope), one that fails on the
 * database, an unknown route and refused scrapes. The scrape must count each
 * exactly, label routes by pattern (never an id), and have observations in
 * every histogram. Then: webhook deliveries, audit append failures, and the
 * answer where no metrics are kept (Workers).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresAuditWriter } from '../../src/audit/postgres-writer';
import type { Database } from '../../src/db/database';
import { DatabaseTimeout } from '../../src/db/statement';
import { createPrometheusMetrics } from '../../src/metrics/prometheus';
import { bearer, call, startTestStack, type TestStack } from '../support/stack';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';
import { auditRows } from '../support/audit';
import { type Client, createFintech, createPartner, importToken, plaidHeaders } from '../support/tenants';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format (samples only; comments skipped). */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key!] = value!.replace(/\\(.)/g, (_, ch: string) => (ch === 'n' ? '\n' : ch));
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the sample with exactly these labels (undefined: no such series). */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels);
  return samples.find(
    (s) => s.name === name && Object.keys(s.labels).length === wanted.length && wanted.every(([k, v]) => s.labels[k] === v),
  )?.value;
}

/** Every series of a metric (by sample name), for sums over labels. */
function series(samples: Sample[], name: string): Sample[] {
  return samples.filter((s) => s.name === name);
}

async function scrape(stack: TestStack) {
  const res = await stack.app.request('/metrics', { headers: bearer(stack.adminKey) });
  const text = await res.text();
  return { res, text, samples: parseExposition(text) };
}

function partnerCall(stack: TestStack, partner: Client, path: string, body: Record<string, unknown>) {
  return call(stack.app, 'POST', path, { body, headers: plaidHeaders(partner) });
}

describe('GET /metrics after a flow', () => {
  let stack: TestStack;
  let partner: Client;
  let fintech: Client;
  let text: string;
  let samples: Sample[];
  let res: Response;

  beforeAll(async () => {
    stack = await startTestStack();
    partner = await createPartner(stack);
    fintech = await createFintech(stack);
    // One call a day: balance by the partner's limit, sync by the token's.
    const window_seconds = 86_400;
    const patched = await call(stack.app, 'PATCH', `/admin/partners/${partner.id}`, {
      headers: bearer(stack.adminKey),
      body: {
        rate_limits: {
          partner: { '/processor/balance/get': { limit: 1, window_seconds } },
          token: { '/processor/transactions/sync': { limit: 1, window_seconds } },
        },
      },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    const everything = await importToken(stack, { partner, fintech });
    const balanceOnly = await importToken(stack, { partner, fintech, products: ['balance'] });

    for (let i = 0; i < 3; i++) {
      const ok = await partnerCall(stack, partner, '/processor/auth/get', { processor_token: everything.gatewayToken });
      expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    }
    const denied = await partnerCall(stack, partner, '/processor/auth/get', { processor_token: balanceOnly.gatewayToken });
    expect(denied.body.error_code).toBe('INVALID_PRODUCT');
    const balance = () => partnerCall(stack, partner, '/processor/balance/get', { processor_token: everything.gatewayToken });
    expect((await balance()).status).toBe(200);
    expect(await balance()).toMatchObject({ status: 429, body: { error_code: 'BALANCE_LIMIT' } });
    const sync = () => partnerCall(stack, partner, '/processor/transactions/sync', { processor_token: everything.gatewayToken });
    expect((await sync()).status).toBe(200);
    expect(await sync()).toMatchObject({ status: 429, body: { error_code: 'TRANSACTIONS_SYNC_LIMIT' } });

    // The admission statement times out: API_ERROR, counted as a database failure.
    const admissions = stack.deps.admissions;
    stack.deps.admissions = { ...admissions, admit: () => Promise.reject(new DatabaseTimeout(5)) };
    try {
      const failed = await partnerCall(stack, partner, '/processor/auth/get', { processor_token: everything.gatewayToken });
      expect(failed).toMatchObject({ status: 500, body: { error_type: 'API_ERROR' } });
    } finally {
      stack.deps.admissions = admissions;
    }

    expect((await call(stack.app, 'GET', `/nowhere/${partner.id}`)).status).toBe(400);
    expect((await call(stack.app, 'GET', '/admin/partners')).status).toBe(400);
    expect((await call(stack.app, 'GET', '/health')).status).toBe(200);
    ({ res, text, samples } = await scrape(stack));
  });
  afterAll(async () => stack?.close());

  it('answers the Prometheus text format to the operator key, uncached', () => {
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(text).toContain('# TYPE gateway_http_requests_total counter');
    expect(text).toContain('# TYPE gateway_upstream_request_duration_seconds histogram');
    // prom-client's process and runtime metrics come along.
    expect(value(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  it('counts requests by route pattern, method, decision and status, exactly', () => {
    const requests = (route: string, method: string, decision: string, status: number) =>
      value(samples, 'gateway_http_requests_total', { route, method, decision, status: String(status) });
    expect(requests('/admin/partners', 'POST', 'allow', 201)).toBe(1);
    expect(requests('/admin/fintechs', 'POST', 'allow', 201)).toBe(1);
    expect(requests('/admin/partners/:partner_id', 'PATCH', 'allow', 200)).toBe(1);
    expect(requests('/gateway/processor_token/import', 'POST', 'allow', 200)).toBe(2);
    expect(requests('/processor/auth/get', 'POST', 'allow', 200)).toBe(3);
    expect(requests('/processor/auth/get', 'POST', 'deny', 400)).toBe(1);
    expect(requests('/processor/auth/get', 'POST', 'error', 500)).toBe(1);
    expect(requests('/processor/balance/get', 'POST', 'allow', 200)).toBe(1);
    expect(requests('/processor/balance/get', 'POST', 'deny', 429)).toBe(1);
    expect(requests('/processor/transactions/sync', 'POST', 'allow', 200)).toBe(1);
    expect(requests('/processor/transactions/sync', 'POST', 'deny', 429)).toBe(1);
    // A route refused by a middleware (the operator key) is labelled with the route it was going to.
    expect(requests('/admin/partners', 'GET', 'deny', 400)).toBe(1);
    expect(requests('(unmatched)', 'GET', 'deny', 400)).toBe(1);
    expect(requests('/health', 'GET', 'allow', 200)).toBe(1);
    // The scrape answering this is not in its own output; nothing else was asked.
    expect(series(samples, 'gateway_http_requests_total').reduce((sum, s) => sum + s.value, 0)).toBe(17);
  });

  it('labels routes by pattern: no id reaches a label', () => {
    const routes = new Set(series(samples, 'gateway_http_requests_total').map((s) => s.labels.route));
    expect(routes).toContain('/admin/partners/:partner_id');
    expect(text).not.toContain(partner.id);
    expect(text).not.toContain('/nowhere');
    for (const route of routes) expect(route === '(unmatched)' || route!.startsWith('/')).toBe(true);
  });

  it('times requests and upstream calls: histograms with observations', () => {
    const auth = { route: '/processor/auth/get', method: 'POST' };
    expect(value(samples, 'gateway_http_request_duration_seconds_count', auth)).toBe(5);
    expect(value(samples, 'gateway_http_request_duration_seconds_sum', auth)).toBeGreaterThan(0);
    expect(value(samples, 'gateway_http_request_duration_seconds_bucket', { ...auth, le: '+Inf' })).toBe(5);

    // Only allowed calls reach Plaid (the emulator); refusals never do.
    const ok = { endpoint: '/processor/auth/get', outcome: 'ok' };
    expect(value(samples, 'gateway_upstream_request_duration_seconds_count', ok)).toBe(3);
    expect(value(samples, 'gateway_upstream_request_duration_seconds_sum', ok)).toBeGreaterThan(0);
    expect(value(samples, 'gateway_upstream_request_duration_seconds_bucket', { ...ok, le: '+Inf' })).toBe(3);
    const calls = series(samples, 'gateway_upstream_request_duration_seconds_count');
    expect(Object.fromEntries(calls.map((s) => [`${s.labels.endpoint} ${s.labels.outcome}`, s.value]))).toEqual({
      '/processor/auth/get ok': 3,
      '/processor/balance/get ok': 1,
      '/processor/transactions/sync ok': 1,
    });
  });

  it('counts rate-limit refusals by scope', () => {
    expect(value(samples, 'gateway_rate_limited_total', { scope: 'partner', endpoint: '/processor/balance/get' })).toBe(1);
    expect(value(samples, 'gateway_rate_limited_total', { scope: 'token', endpoint: '/processor/transactions/sync' })).toBe(1);
    expect(series(samples, 'gateway_rate_limited_total')).toHaveLength(2);
  });

  it('times audit appends and counts their records: one per record the writer appended', async () => {
    // Operator and fintech changes append inside their own transaction, not through the writer: the
    // writer appended the 9 partner calls' records and the refused GET /admin/partners.
    const rows = await auditRows(stack);
    const inTransaction = rows.filter((r) => ['operator', 'fintech'].includes(r.actor_type) && r.decision === 'allow');
    expect(rows.length - inTransaction.length).toBe(10);
    expect(value(samples, 'gateway_audit_batch_size_records_sum')).toBe(10);
    const statements = value(samples, 'gateway_audit_batch_size_records_count')!;
    expect(statements).toBeGreaterThanOrEqual(1);
    expect(statements).toBeLessThanOrEqual(10);
    expect(value(samples, 'gateway_audit_append_duration_seconds_count', { outcome: 'ok' })).toBe(statements);
    expect(value(samples, 'gateway_audit_append_duration_seconds_sum', { outcome: 'ok' })).toBeGreaterThan(0);
    expect(value(samples, 'gateway_audit_append_duration_seconds_count', { outcome: 'error' })).toBeUndefined();
  });

  it('counts the API_ERROR caused by the database, by source and kind', () => {
    expect(value(samples, 'gateway_database_errors_total', { source: 'request', kind: 'timeout' })).toBe(1);
    expect(series(samples, 'gateway_database_errors_total')).toHaveLength(1);
  });

  it('refuses a missing or wrong key (recorded as failed authentications), and a right key is not audited', async () => {
    const before = (await auditRows(stack)).length;
    const missing = await call(stack.app, 'GET', '/metrics');
    expect(missing).toMatchObject({ status: 400, body: { error_code: 'INVALID_API_KEYS' } });
    const wrong = await call(stack.app, 'GET', '/metrics', { headers: bearer(`${stack.adminKey}x`) });
    expect(wrong).toMatchObject({ status: 400, body: { error_code: 'INVALID_API_KEYS' } });
    expect(JSON.stringify(wrong.body)).not.toContain('gateway_');
    for (let i = 0; i < 3; i++) expect((await scrape(stack)).res.status).toBe(200);
    const added = (await auditRows(stack)).slice(before);
    expect(added.map((r) => [r.action, r.endpoint, r.reason])).toEqual([
      ['auth.failed', '/metrics', 'missing_bearer'],
      ['auth.failed', '/metrics', 'wrong_admin_key'],
    ]);
    const { samples: after } = await scrape(stack);
    expect(value(after, 'gateway_http_requests_total', { route: '/metrics', method: 'GET', decision: 'deny', status: '400' })).toBe(2);
    expect(value(after, 'gateway_http_requests_total', { route: '/metrics', method: 'GET', decision: 'allow', status: '200' })).toBe(4);
  });

  it('answers NOT_FOUND where no metrics are kept (as on Workers)', async () => {
    const metrics = stack.deps.metrics;
    stack.deps.metrics = undefined;
    try {
      const res = await call(stack.app, 'GET', '/metrics', { headers: bearer(stack.adminKey) });
      expect(res).toMatchObject({ status: 400, body: { error_code: 'NOT_FOUND' } });
    } finally {
      stack.deps.metrics = metrics;
    }
  });
});

describe('webhook deliveries', () => {
  let stack: TestStack;
  let hooks: WebhookReceiver;
  beforeAll(async () => {
    stack = await startTestStack({ http: true, env: { WEBHOOK_ALLOW_LOOPBACK: 'true' } });
    hooks = await startWebhookReceiver();
  });
  afterAll(async () => {
    await stack?.close();
    await hooks?.close();
  });

  it('counts each delivery attempt by outcome, and the upstream webhook registration', async () => {
    const partner = await createPartner(stack);
    const fintech = await createFintech(stack);
    // The import registers the token's webhook with Plaid, whose acknowledgement is delivered to the fintech.
    await importToken(stack, { partner, fintech, webhook: `${hooks.url}/hooks` });
    await stack.emulator.app.emulator.flushWebhooks();
    await hooks.waitFor(1);
    await expect
      .poll(async () => value((await scrape(stack)).samples, 'gateway_webhook_deliveries_total', { outcome: 'delivered' }))
      .toBe(1);
    const { samples } = await scrape(stack);
    expect(series(samples, 'gateway_webhook_deliveries_total')).toHaveLength(1);
    expect(
      value(samples, 'gateway_upstream_request_duration_seconds_count', { endpoint: '/processor/token/webhook/update', outcome: 'ok' }),
    ).toBe(1);
  });
});

describe('audit writer failures', () => {
  it('count the batch as failed and each of its records as a database error', async () => {
    const metrics = createPrometheusMetrics({ processMetrics: false });
    const lockTimeout = Object.assign(new Error('canceling statement due to lock timeout'), { code: '55P03' });
    const failing = { $client: { query: () => Promise.reject(lockTimeout) } } as unknown as Database;
    const writer = new PostgresAuditWriter(failing, { groupCommit: false, metrics });
    const record = {
      occurredAt: new Date().toISOString(),
      requestId: 'req_metrics_test',
      actorType: 'anonymous',
      action: 'request',
      method: 'GET',
      endpoint: '/x',
      decision: 'deny',
      httpStatus: 400,
      latencyMs: 1,
      details: {},
    } as const;
    await expect(writer.append(record as never)).rejects.toBe(lockTimeout);
    const samples = parseExposition((await metrics.scrape()).body);
    expect(value(samples, 'gateway_audit_append_duration_seconds_count', { outcome: 'error' })).toBe(1);
    expect(value(samples, 'gateway_audit_batch_size_records_sum')).toBe(1);
    expect(value(samples, 'gateway_database_errors_total', { source: 'audit_append', kind: 'timeout' })).toBe(1);
    // No process metrics when turned off.
    expect(samples.some((s) => s.name.startsWith('process_'))).toBe(false);
  });
});
