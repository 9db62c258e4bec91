/**
 * The shared request machinery (body reader, zod hook, error handler), on a
 * sample Plaid-style route mounted on the real app: every bad body answers a
 * Plaid-shaped INVALID_REQUEST, an oversize body a 413 after being drained.
 */
import { request as httpRequest, Agent } from 'node:http';
import { createRoute, z } from '@hono/zod-openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { createRouter } from '../../src/lib/create-router';
import { listen, closeServer } from '../../src/node/serve';
import { plaidRequest } from '../../src/plaid/schemas';
import { call, startTestStack, type TestStack } from '../support/stack';

const sample = createRoute({
  method: 'post',
  path: '/sample/echo',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: plaidRequest({
            processor_token: z.string(),
            count: z.number().int().min(1).max(500).optional(),
            options: z.object({ include: z.boolean() }).strict().optional(),
          }),
        },
      },
    },
  },
  responses: { 200: { description: 'echo', content: { 'application/json': { schema: z.object({ ok: z.boolean() }) } } } },
});

let stack: TestStack;
let app: ReturnType<typeof createApp>;
let url: string;
let server: Parameters<typeof closeServer>[0];

beforeAll(async () => {
  stack = await startTestStack();
  app = createApp(stack.deps);
  app.route('/', createRouter().openapi(sample, (c) => c.json({ ok: true }, 200)));
  ({ server, url } = await listen(app, 0));
});
afterAll(async () => {
  await closeServer(server);
  await stack?.close();
});

function expectPlaidError(body: any, code: string) {
  expect(body).toMatchObject({ error_type: 'INVALID_REQUEST', error_code: code, display_message: null });
  expect(typeof body.error_message).toBe('string');
  expect(body.request_id).toMatch(/^[A-Za-z0-9]{15}$/);
  expect(JSON.stringify(body)).not.toMatch(/ZodError|at .*\.ts:|"issues"/);
}

describe('bad request bodies', () => {
  it('accepts a valid body', async () => {
    const res = await call(app, 'POST', '/sample/echo', { body: { processor_token: 'x' } });
    expect(res.status).toBe(200);
  });

  it('not JSON -> INVALID_BODY', async () => {
    const res = await call(app, 'POST', '/sample/echo', { rawBody: '{"processor_token": ' });
    expect(res.status).toBe(400);
    expectPlaidError(res.body, 'INVALID_BODY');
  });

  it('a JSON array or scalar -> INVALID_BODY', async () => {
    for (const raw of ['[1,2]', '42', '"x"', 'null']) {
      const res = await call(app, 'POST', '/sample/echo', { rawBody: raw });
      expect(res.status).toBe(400);
      expectPlaidError(res.body, 'INVALID_BODY');
    }
  });

  it('empty body -> INVALID_BODY on Plaid-style routes', async () => {
    const res = await call(app, 'POST', '/sample/echo', { rawBody: '' });
    expectPlaidError(res.body, 'INVALID_BODY');
  });

  it('missing fields -> MISSING_FIELDS naming them', async () => {
    const res = await call(app, 'POST', '/sample/echo', { body: {} });
    expect(res.status).toBe(400);
    expectPlaidError(res.body, 'MISSING_FIELDS');
    expect(res.body.error_message).toContain('processor_token');
  });

  it('wrong types -> INVALID_FIELD naming the field, not its value', async () => {
    const res = await call(app, 'POST', '/sample/echo', { body: { processor_token: 12345678987654321 } });
    expectPlaidError(res.body, 'INVALID_FIELD');
    expect(res.body.error_message).toContain('processor_token');
    expect(res.body.error_message).not.toContain('12345678987654321');
  });

  it('out of range -> INVALID_FIELD', async () => {
    const res = await call(app, 'POST', '/sample/echo', { body: { processor_token: 'x', count: 501 } });
    expectPlaidError(res.body, 'INVALID_FIELD');
    expect(res.body.error_message).toContain('count');
  });

  it('unknown fields (top level and nested) -> UNKNOWN_FIELDS', async () => {
    const res = await call(app, 'POST', '/sample/echo', { body: { processor_token: 'x', surprise: 1 } });
    expectPlaidError(res.body, 'UNKNOWN_FIELDS');
    expect(res.body.error_message).toContain('surprise');
    const nested = await call(app, 'POST', '/sample/echo', {
      body: { processor_token: 'x', options: { include: true, extra: 1 } },
    });
    expectPlaidError(nested.body, 'UNKNOWN_FIELDS');
    expect(nested.body.error_message).toContain('options.extra');
  });

  it('client_id and secret are accepted in the body (Plaid convention)', async () => {
    const res = await call(app, 'POST', '/sample/echo', { body: { processor_token: 'x', client_id: 'a', secret: 'b' } });
    expect(res.status).toBe(200);
  });

  it('valid JSON with a non-JSON content type is accepted', async () => {
    const res = await app.request('/sample/echo', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ processor_token: 'x' }),
    });
    expect(res.status).toBe(200);
  });

  it('unknown route -> NOT_FOUND (Plaid answers 400), whatever the body', async () => {
    for (const [method, body] of [
      ['GET', undefined],
      ['POST', '{not json'],
    ] as const) {
      const res = await call(app, method, '/processor/does/not/exist', { rawBody: body });
      expect(res.status).toBe(400);
      expectPlaidError(res.body, 'NOT_FOUND');
    }
  });
});

describe('body size limit over real HTTP', () => {
  function post(agent: Agent, body: Buffer | string): Promise<{ status: number; body: any; reused: boolean }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        `${url}/sample/echo`,
        { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), reused: req.reusedSocket }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  it('answers 413 INVALID_BODY after draining, and keeps the connection', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const big = Buffer.alloc(stack.config.maxBodyBytes + 4096, 'a');
      const tooLarge = await post(agent, big);
      expect(tooLarge.status).toBe(413);
      expect(tooLarge.body).toMatchObject({ error_type: 'INVALID_REQUEST', error_code: 'INVALID_BODY' });
      // The same socket serves the next request: the oversize body was drained, not cut off.
      const next = await post(agent, JSON.stringify({ processor_token: 'x' }));
      expect(next.status).toBe(200);
      expect(next.reused).toBe(true);
    } finally {
      agent.destroy();
    }
  });

  it('a body just under the limit is read', async () => {
    const padding = 'p'.repeat(stack.config.maxBodyBytes - 100);
    const res = await call(app, 'POST', '/sample/echo', { body: { processor_token: 'x', pad: padding } });
    // Fully read and parsed: it fails on the unknown field, not on size.
    expect(res.body.error_code).toBe('UNKNOWN_FIELDS');
  });
});
