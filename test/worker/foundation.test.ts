import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';

// These run inside workerd against the Worker entry (src/worker.ts).
async function json(path: string, init?: RequestInit) {
  const res = await SELF.fetch(`http://gateway.test${path}`, init);
  return { status: res.status, body: (await res.json()) as Record<string, any>, headers: res.headers };
}

describe('Worker build in workerd', () => {
  it('GET /health', async () => {
    const res = await json('/health');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
  });

  it('GET /ready reaches Postgres through postgres.js on cloudflare:sockets', async () => {
    const res = await json('/ready');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ready', database: 'ok' });
  });

  it('GET /openapi.json', async () => {
    const res = await json('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.paths['/health']).toBeDefined();
  });

  it('GET /docs and its assets are served by the Worker itself, under the strict CSP', async () => {
    const page = await SELF.fetch('http://gateway.test/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    const assets = [...html.matchAll(/(?:href|src)="(docs\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) {
      const res = await SELF.fetch(`http://gateway.test/${asset}`);
      expect(res.status, asset).toBe(200);
      expect((await res.text()).length, asset).toBeGreaterThan(100);
    }
  });

  it('unknown route answers Plaid NOT_FOUND', async () => {
    const res = await json('/nope', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error_type: 'INVALID_REQUEST', error_code: 'NOT_FOUND' });
    expect(res.body.request_id).toMatch(/^[A-Za-z0-9]{15}$/);
  });
});
