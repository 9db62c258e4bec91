/**
 * Hostile input and hostile clients, over real HTTP where the server's own
 * behaviour is under test: NUL characters, huge arrays, forged client
 * addresses, slow and oversized requests, protocol errors, aborted bodies.
 * Every answer is Plaid's error object, never a 5xx from our code.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/lib/logger';
import { expectPlaidError } from '../support/plaid-spec';
import { bearer, call, startTestStack, type TestStack } from '../support/stack';
import { admin, type Client, clientCall, importToken, plaidHeaders, startWorld } from '../support/tenants';
import { auditRows } from '../support/audit';

let stack: TestStack;
let partner: Client;
let fintech: Client;
const logged: Array<{ level: string; msg: string }> = [];
const log: Logger = {
  debug: (msg) => logged.push({ level: 'debug', msg }),
  info: (msg) => logged.push({ level: 'info', msg }),
  warn: (msg) => logged.push({ level: 'warn', msg }),
  error: (msg) => logged.push({ level: 'error', msg }),
};

beforeAll(async () => {
  ({ stack, partner, fintech } = await startWorld({
    http: true,
    env: { SERVER_HEADERS_TIMEOUT_MS: '1000', SERVER_REQUEST_TIMEOUT_MS: '2000', GATEWAY_PUBLIC_URL: 'https://gateway.example.com' },
    deps: { log },
  }));
});
afterAll(async () => stack?.close());

/** Sends raw bytes on a fresh connection; resolves with everything the server wrote before closing (or after `waitMs`). */
function raw(chunks: Array<string | { delayMs: number }>, waitMs = 5_000): Promise<{ text: string; elapsedMs: number }> {
  const { port, hostname } = new URL(stack.url);
  return new Promise((resolve) => {
    const started = Date.now();
    let text = '';
    const socket = connect(Number(port), hostname);
    const done = () => resolve({ text, elapsedMs: Date.now() - started });
    const timer = setTimeout(() => {
      socket.destroy();
      done();
    }, waitMs);
    socket.on('data', (d) => (text += d.toString('utf8')));
    socket.on('close', () => {
      clearTimeout(timer);
      done();
    });
    socket.on('error', () => {});
    void (async () => {
      for (const chunk of chunks) {
        if (socket.destroyed) return;
        if (typeof chunk === 'string') socket.write(chunk);
        else await new Promise((r) => setTimeout(r, chunk.delayMs));
      }
    })();
  });
}

function plaidBodyOf(httpText: string) {
  const [head, ...rest] = httpText.split('\r\n\r\n');
  return { status: Number(head!.split(' ')[1]), head: head!, body: JSON.parse(rest.join('\r\n\r\n')) };
}

describe('NUL characters (Postgres text cannot hold them)', () => {
  it('answer 400 before they reach the database: bodies on every kind of route, path ids and query filters', async () => {
    const { gatewayToken } = await importToken(stack, { partner, fintech });
    const cases = [
      call(stack.app, 'POST', '/processor/auth/get', { body: { client_id: 'a\u0000', secret: 'b', processor_token: gatewayToken } }),
      call(stack.app, 'POST', '/processor/auth/get', { body: { processor_token: `${gatewayToken}\u0000` }, headers: plaidHeaders(partner) }),
      clientCall(stack, fintech, '/gateway/processor_token/import', { processor_token: 'processor-sandbox-\u0000', partner_id: partner.id }),
      clientCall(stack, fintech, '/processor/token/permissions/get', { processor_token: gatewayToken, client_id: 'x\u0000' }),
      admin(stack, 'POST', '/admin/fintechs', { name: 'Evil\u0000Corp' }),
      admin(stack, 'POST', '/admin/fintechs', { ['na\u0000me']: 'x' }),
      call(stack.app, 'GET', '/admin/partners/ptn_%00x', { headers: bearer(stack.adminKey) }),
      call(stack.app, 'GET', '/audit/events?partner_id=%00', { headers: bearer(stack.adminKey) }),
    ];
    for (const res of await Promise.all(cases)) {
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expectPlaidError(res.body, { error_type: 'INVALID_REQUEST' });
      expect(JSON.stringify(res.body)).not.toContain('\u0000');
    }
    expect(logged.filter((l) => l.level === 'error')).toEqual([]);
  });
});

describe('bounded validation', () => {
  it('a body with 130k invalid array items, or nested 10k deep, is a 400 (not a stack overflow)', async () => {
    const { gatewayToken } = await importToken(stack, { partner, fintech });
    const huge = await clientCall(stack, fintech, '/processor/token/permissions/set', {
      processor_token: gatewayToken,
      products: Array(130_000).fill('x'),
    });
    expect(huge.status).toBe(400);
    expectPlaidError(huge.body, { error_type: 'INVALID_REQUEST', error_code: 'INVALID_BODY' });
    const deep = await call(stack.app, 'POST', '/admin/fintechs', {
      rawBody: `{"name":${'['.repeat(10_000)}${']'.repeat(10_000)}}`,
      headers: bearer(stack.adminKey),
    });
    expect(deep.status).toBe(400);
    expectPlaidError(deep.body, { error_code: 'INVALID_BODY' });
  });
});

describe('security headers', () => {
  it('every answer is no-store and nosniff: account data, one-time secrets, errors, audit reads', async () => {
    const { gatewayToken } = await importToken(stack, { partner, fintech });
    const answers = await Promise.all([
      fetch(`${stack.url}/processor/auth/get`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...plaidHeaders(partner) },
        body: JSON.stringify({ processor_token: gatewayToken }),
      }),
      fetch(`${stack.url}/admin/fintechs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(stack.adminKey) },
        body: JSON.stringify({ name: 'Headers Inc' }),
      }),
      fetch(`${stack.url}/audit/events`, { headers: bearer(stack.adminKey) }),
      fetch(`${stack.url}/nope`),
      fetch(`${stack.url}/health`),
    ]);
    expect(answers.map((r) => r.status < 500)).toEqual([true, true, true, true, true]);
    expect(answers.map((r) => r.status)).toEqual([200, 201, 200, answers[3]!.status, 200]);
    for (const res of answers) {
      expect(res.headers.get('cache-control'), res.url).toBe('no-store');
      expect(res.headers.get('x-content-type-options'), res.url).toBe('nosniff');
      await res.body?.cancel();
    }
  });

  it("/openapi.json names the configured public URL, never the request's Host", async () => {
    const res = await fetch(`${stack.url}/openapi.json`, { headers: { host: 'evil.example.net' } });
    const doc = (await res.json()) as { servers: Array<{ url: string }> };
    expect(doc.servers).toEqual([{ url: 'https://gateway.example.com' }]);
  });
});

describe('client addresses', () => {
  it('a client-sent cf-connecting-ip or X-Forwarded-For is not believed from an untrusted peer', async () => {
    const res = await fetch(`${stack.url}/admin/fintechs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(stack.adminKey), 'cf-connecting-ip': '203.0.113.7', 'x-forwarded-for': '198.51.100.9' },
      body: JSON.stringify({ name: 'Spoofer' }),
    });
    const { request_id } = (await res.json()) as { request_id: string };
    const [record] = (await auditRows(stack)).filter((r) => r.request_id === request_id);
    expect(record!.client_ip).toBe('127.0.0.1');
  });

  it('behind a trusted proxy, the forwarded address is recorded (cf-connecting-ip, else the right-most untrusted X-Forwarded-For hop)', async () => {
    const proxied = await startTestStack({ http: true, env: { TRUSTED_PROXIES: '127.0.0.1/32, ::1' } });
    try {
      const post = (headers: Record<string, string>) =>
        fetch(`${proxied.url}/admin/fintechs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...bearer(proxied.adminKey), ...headers },
          body: JSON.stringify({ name: 'Proxied' }),
        }).then((r) => r.json() as Promise<{ request_id: string }>);
      const a = await post({ 'cf-connecting-ip': '203.0.113.7' });
      const b = await post({ 'x-forwarded-for': '198.51.100.9, 203.0.113.50, 127.0.0.1' });
      const c = await post({ 'x-forwarded-for': 'not-an-address' });
      const rows = await auditRows(proxied);
      const ipOf = (id: string) => rows.find((r) => r.request_id === id)!.client_ip;
      expect(ipOf(a.request_id)).toBe('203.0.113.7');
      expect(ipOf(b.request_id)).toBe('203.0.113.50');
      expect(ipOf(c.request_id)).toBe('127.0.0.1');
    } finally {
      await proxied.close();
    }
  });
});

describe('slow, oversized and malformed requests (Node server)', () => {
  it('a client sending one header line at a time is cut off after SERVER_HEADERS_TIMEOUT_MS with a Plaid-shaped 408', async () => {
    const chunks: Array<string | { delayMs: number }> = ['POST /processor/auth/get HTTP/1.1\r\nHost: x\r\n'];
    for (let i = 0; i < 20; i++) chunks.push({ delayMs: 300 }, `X-Slow-${i}: y\r\n`);
    const { text, elapsedMs } = await raw(chunks, 8_000);
    expect(elapsedMs).toBeLessThan(4_000);
    const answer = plaidBodyOf(text);
    expect(answer.status).toBe(408);
    expectPlaidError(answer.body, { error_type: 'INVALID_REQUEST' });
  });

  it('a body dribbled a byte at a time is cut off after SERVER_REQUEST_TIMEOUT_MS, without an error-level log', async () => {
    logged.length = 0;
    const chunks: Array<string | { delayMs: number }> = [
      'POST /admin/fintechs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
    ];
    for (let i = 0; i < 30; i++) chunks.push({ delayMs: 250 }, ' ');
    const { elapsedMs } = await raw(chunks, 10_000);
    expect(elapsedMs).toBeLessThan(5_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(logged.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('headers too large, a bad chunk and conflicting lengths each get Plaid\'s error object', async () => {
    const big = await raw([`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`]);
    expect(plaidBodyOf(big.text).status).toBe(431);
    expectPlaidError(plaidBodyOf(big.text).body, { error_code: 'INVALID_HEADERS' });

    const chunk = await raw(['POST /admin/fintechs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n']);
    expect(plaidBodyOf(chunk.text).status).toBe(400);
    expectPlaidError(plaidBodyOf(chunk.text).body, { error_code: 'INVALID_BODY' });

    const both = await raw(['POST /admin/fintechs HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}']);
    expect(plaidBodyOf(both.text).status).toBe(400);
    expect(plaidBodyOf(both.text).head.toLowerCase()).toContain('cache-control: no-store');
  });

  it('a client that aborts mid-body is not logged as an error', async () => {
    logged.length = 0;
    await raw(['POST /admin/fintechs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"name":'], 300);
    await new Promise((r) => setTimeout(r, 300));
    expect(logged.filter((l) => l.level === 'error')).toEqual([]);
  });
});

describe('bodies read before authentication are capped in total', () => {
  it('past MAX_INFLIGHT_BODY_BYTES, a request answers 503 with Retry-After instead of buffering more', async () => {
    const capped = await startTestStack({ http: true, env: { MAX_INFLIGHT_BODY_BYTES: String(64 * 1024) } });
    try {
      const { port } = new URL(capped.url);
      // Hold 60 KiB of unfinished bodies open on two connections.
      const holders = [0, 1].map(() => {
        const s = connect(Number(port), '127.0.0.1');
        s.on('error', () => {});
        s.write(`POST /admin/fintechs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500000\r\n\r\n{"name":"${'a'.repeat(30 * 1024)}`);
        return s;
      });
      await new Promise((r) => setTimeout(r, 300));
      const res = await fetch(`${capped.url}/admin/fintechs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(capped.adminKey) },
        // Valid JSON padded with whitespace to 20 KiB.
        body: JSON.stringify({ name: 'Padded' }) + ' '.repeat(20 * 1024),
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expectPlaidError(await res.json(), { error_type: 'API_ERROR' });
      for (const s of holders) s.destroy();
      await new Promise((r) => setTimeout(r, 200));
      // Released: the same request now goes through.
      const again = await fetch(`${capped.url}/admin/fintechs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(capped.adminKey) },
        body: JSON.stringify({ name: 'Padded' }) + ' '.repeat(20 * 1024),
      });
      expect(again.status).toBe(201);
    } finally {
      await capped.close();
    }
  });
});

describe('unreadable bodies from authenticated callers are recorded', () => {
  it('malformed JSON, an array, an empty body and an oversize body from a partner or fintech with header keys each leave a record naming them', async () => {
    const before = (await auditRows(stack)).length;
    const bodies = ['{"processor_token":', '[1,2]', '', `{"x":"${'a'.repeat(1024 * 1024 + 10)}"}`];
    const answers = [];
    for (const [client, path] of [
      [partner, '/processor/auth/get'],
      [fintech, '/processor/token/permissions/get'],
    ] as const) {
      for (const rawBody of bodies) {
        const res = await fetch(`${stack.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...plaidHeaders(client) },
          body: rawBody,
        });
        answers.push({ status: res.status, body: await res.json(), client });
      }
    }
    expect(answers.map((a) => a.status)).toEqual([400, 400, 400, 413, 400, 400, 400, 413]);
    const records = (await auditRows(stack)).slice(before);
    expect(records).toHaveLength(8);
    for (const [i, record] of records.entries()) {
      const who = answers[i]!.client;
      expect(record).toMatchObject({ actor_id: who.id, decision: 'deny', request_id: answers[i]!.body.request_id });
      expect(['INVALID_BODY']).toContain(record.reason);
    }
  });

  it('the same without keys in the headers is answered and not recorded (anonymous junk does not grow the trail)', async () => {
    const before = (await auditRows(stack)).length;
    const res = await fetch(`${stack.url}/processor/auth/get`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[' });
    expect(res.status).toBe(400);
    expect((await auditRows(stack)).length).toBe(before);
  });
});

describe('failed authentications are throttled', () => {
  it('per client_id: past the limit a failure answers 429 and the trail holds limit + 1 records, not one per attempt; the right keys still work', async () => {
    const world = await startWorld({ env: { AUTH_FAILURE_LIMIT_PER_CLIENT_ID: '5' } });
    try {
      const { gatewayToken } = await importToken(world.stack, { partner: world.partner, fintech: world.fintech });
      const before = (await auditRows(world.stack)).length;
      const statuses: number[] = [];
      let last;
      for (let i = 0; i < 30; i++) {
        last = await call(world.stack.app, 'POST', '/processor/auth/get', {
          body: { processor_token: gatewayToken },
          headers: plaidHeaders({ clientId: world.partner.clientId, secret: `wrong-secret-${i}-000000000000000000` }),
        });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([...Array(5).fill(400), ...Array(25).fill(429)]);
      expectPlaidError(last!.body, { error_type: 'RATE_LIMIT_EXCEEDED', error_code: 'RATE_LIMIT' });
      expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
      const records = (await auditRows(world.stack)).slice(before);
      expect(records.map((r) => r.action)).toEqual([...Array(5).fill('auth.failed'), 'auth.throttled']);
      expect(records[5]).toMatchObject({ decision: 'deny', http_status: 429, details: { scope: 'client_id', failures: 6 } });

      // The partner with its right keys is not locked out by failures in its name.
      const ok = await call(world.stack.app, 'POST', '/processor/auth/get', {
        body: { processor_token: gatewayToken },
        headers: plaidHeaders(world.partner),
      });
      expect(ok.status).toBe(200);
    } finally {
      await world.stack.close();
    }
  });

  it('per address: wrong operator keys from one address are throttled too', async () => {
    const limited = await startTestStack({ http: true, env: { AUTH_FAILURE_LIMIT_PER_ADDRESS: '10' } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 15; i++) {
        const res = await fetch(`${limited.url}/admin/partners`, { headers: bearer(`wrong-admin-key-${i}-0000000000000000`) });
        statuses.push(res.status);
        await res.body?.cancel();
      }
      expect(statuses).toEqual([...Array(10).fill(400), ...Array(5).fill(429)]);
      const good = await fetch(`${limited.url}/admin/partners`, { headers: bearer(limited.adminKey) });
      expect(good.status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
