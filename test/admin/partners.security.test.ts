import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Hono } from 'hono';
import { requireClient } from '../../src/auth/credentials';
import { hashSecret } from '../../src/auth/hash';
import type { AppEnv } from '../../src/context';
import * as ids from '../../src/lib/ids';
import { PlaidError } from '../../src/plaid/errors';
import { bearer, call, startTestStack, TEST_PLAID_CLIENT, type TestStack } from '../support/stack';
import { admin, createFintech, createPartner, type Keys, plaidHeaders } from '../support/tenants';
import { auditRows } from '../support/audit';

vi.mock('../../src/lib/ids', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/lib/ids')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.close());

/** A bare app with only requireClient('partner'), to prove what partner credentials open. */
function partnerProbe() {
  const app = new Hono<AppEnv>();
  app.use('*', async (c, next) => {
    c.set('deps', stack.deps);
    c.set('requestId', 'probe');
    c.set('audit', { enabled: false, action: 'probe', actorType: 'anonymous' });
    await next();
  });
  app.post('/probe', requireClient('partner'), (c) => c.json({ principal: c.var.principal }));
  app.onError((err, c) => c.json({ error_code: err instanceof PlaidError ? err.code : 'UNEXPECTED' }, 400));
  return (client: Keys) =>
    app.request('/probe', { method: 'POST', headers: { 'content-type': 'application/json', ...plaidHeaders(client) }, body: '{}' });
}

describe('operator authentication on /admin/*', () => {
  it('answers INVALID_API_KEYS without a key, with a wrong key and with a non-Bearer scheme', async () => {
    for (const headers of [{}, bearer('wrong-key-wrong-key-wrong-key'), { authorization: `Basic ${stack.adminKey}` }]) {
      const res = await call(stack.app, 'GET', '/admin/partners', { headers });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error_type: 'INVALID_INPUT', error_code: 'INVALID_API_KEYS' });
    }
  });

  it('refuses a creation without the key and creates nothing', async () => {
    const before = (await admin(stack, 'GET', '/admin/partners')).body.partners.length;
    const res = await call(stack.app, 'POST', '/admin/partners', {
      body: { name: 'X', processor: 'dwolla', plaid: { client_id: 'a', secret: 'b' } },
    });
    expect(res.body.error_code).toBe('INVALID_API_KEYS');
    expect((await admin(stack, 'GET', '/admin/partners')).body.partners.length).toBe(before);
  });

  it("an auditor's key does not open /admin", async () => {
    const created = await admin(stack, 'POST', '/admin/auditors', { name: 'Compliance' });
    expect(created.status).toBe(201);
    for (const [method, path] of [
      ['GET', '/admin/partners'],
      ['GET', '/admin/auditors'],
      ['POST', `/admin/auditors/${created.body.auditor_id}/rotate_secret`],
    ] as const) {
      const res = await call(stack.app, method, path, { headers: bearer(created.body.key), body: method === 'POST' ? {} : undefined });
      expect(res.body.error_code, path).toBe('INVALID_API_KEYS');
    }
  });

  it('partner and fintech credentials do not open /admin (Plaid headers or Bearer)', async () => {
    const partner = await createPartner(stack);
    const fintech = await createFintech(stack);
    for (const client of [partner, fintech]) {
      const viaHeaders = await call(stack.app, 'GET', '/admin/partners', { headers: plaidHeaders(client) });
      expect(viaHeaders.body.error_code).toBe('INVALID_API_KEYS');
      const viaBearer = await call(stack.app, 'GET', '/admin/fintechs', { headers: bearer(client.secret) });
      expect(viaBearer.body.error_code).toBe('INVALID_API_KEYS');
    }
  });

  it('records failed operator authentications without the presented key', async () => {
    await call(stack.app, 'GET', '/admin/fintechs', { headers: bearer('presented-wrong-key-0123456789') });
    const rows = await auditRows(stack);
    const failed = rows.filter((r) => r.action === 'auth.failed' && r.endpoint === '/admin/fintechs');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.at(-1)).toMatchObject({ decision: 'deny', reason: 'wrong_admin_key' });
    expect(JSON.stringify(rows)).not.toContain('presented-wrong-key-0123456789');
  });
});

describe('partner credentials', () => {
  it('work as issued, and rotation invalidates the old secret at once', async () => {
    const probe = partnerProbe();
    const partner = await createPartner(stack);
    expect(await (await probe(partner)).json()).toEqual({ principal: { kind: 'partner', id: partner.id } });

    const rotated = await admin(stack, 'POST', `/admin/partners/${partner.id}/rotate_secret`, {});
    expect(rotated.status).toBe(200);
    expect(await (await probe(partner)).json()).toEqual({ error_code: 'INVALID_API_KEYS' });
    expect(await (await probe({ clientId: partner.clientId, secret: rotated.body.secret })).json()).toEqual({
      principal: { kind: 'partner', id: partner.id },
    });
  });

  it('a disabled partner cannot authenticate; re-enabled it can', async () => {
    const probe = partnerProbe();
    const partner = await createPartner(stack);
    await admin(stack, 'PATCH', `/admin/partners/${partner.id}`, { disabled: true });
    expect(await (await probe(partner)).json()).toEqual({ error_code: 'INVALID_API_KEYS' });
    await admin(stack, 'PATCH', `/admin/partners/${partner.id}`, { disabled: false });
    expect(((await (await probe(partner)).json()) as any).principal.id).toBe(partner.id);
  });

  it("the partner's Plaid keys are not gateway credentials", async () => {
    const probe = partnerProbe();
    await createPartner(stack);
    expect(await (await probe(TEST_PLAID_CLIENT)).json()).toEqual({ error_code: 'INVALID_API_KEYS' });
  });

  it('secrets are compared in constant time against the stored hash', async () => {
    const probe = partnerProbe();
    const partner = await createPartner(stack);
    const spy = vi.mocked(ids.timingSafeEqual);
    spy.mockClear();
    await probe({ clientId: partner.clientId, secret: 'not-the-secret' });
    // The presented secret's hash was compared with the stored hash by the constant-time function.
    expect(spy).toHaveBeenCalledWith(await hashSecret('not-the-secret'), await hashSecret(partner.secret));
    spy.mockClear();
    // An unknown client_id still costs one comparison (against a hash matching nothing).
    await probe({ clientId: 'cli_unknown', secret: 'whatever' });
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('the constant-time comparison is correct', () => {
    const { timingSafeEqual } = ids;
    expect(timingSafeEqual('abc', 'abc')).toBe(true);
    expect(timingSafeEqual('abc', 'abd')).toBe(false);
    expect(timingSafeEqual('abc', 'abcd')).toBe(false);
    expect(timingSafeEqual('', 'a')).toBe(false);
  });
});
