import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestStack, type TestStack } from '../support/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.close());

describe('operations endpoints', () => {
  it('GET /health answers ok with a request id', async () => {
    const res = await call(stack.app, 'GET', '/health');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.request_id).toMatch(/^[A-Za-z0-9]{15}$/);
    expect(res.headers.get('x-request-id')).toBe(res.body.request_id);
  });

  it('GET /ready checks the database', async () => {
    const res = await call(stack.app, 'GET', '/ready');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ready', database: 'ok' });
  });

  it('GET /openapi.json documents the routes', async () => {
    const res = await call(stack.app, 'GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/health', '/ready']));
  });

  it('GET /docs serves an API reference page', async () => {
    const res = await call(stack.app, 'GET', '/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(String(res.body)).toContain('/openapi.json');
  });
});
