import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { requireAuditReader } from '../../src/auth/credentials';
import type { AppEnv } from '../../src/context';
import { PlaidError } from '../../src/plaid/errors';
import { bearer, call, startTestStack, type TestStack } from '../support/stack';
import { admin, createPartner } from '../support/tenants';
import { auditRows } from '../support/audit';
import { everyTableText } from '../support/db';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.close());

/** What a bearer key opens through requireAuditReader() (the /audit* guard). */
async function reader(key: string): Promise<unknown> {
  const app = new Hono<AppEnv>();
  app.use('*', async (c, next) => {
    c.set('deps', stack.deps);
    c.set('audit', { enabled: false, action: 'probe', actorType: 'anonymous' });
    await next();
  });
  app.get('/probe', requireAuditReader(), (c) => c.json(c.var.principal));
  app.onError((err, c) => c.json({ error_code: err instanceof PlaidError ? err.code : 'UNEXPECTED' }, 400));
  return (await app.request('/probe', { headers: bearer(key) })).json();
}

describe('/admin/auditors', () => {
  it('POST creates an all-partners auditor whose key opens the audit guard', async () => {
    const res = await admin(stack, 'POST', '/admin/auditors', { name: 'Compliance' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      auditor_id: expect.stringMatching(/^aud_[a-z0-9]{20}$/),
      key: expect.stringMatching(/^gwaud_[A-Za-z0-9_-]{43}$/),
      name: 'Compliance',
      partner_id: null,
      disabled: false,
    });
    expect(await reader(res.body.key)).toEqual({ kind: 'auditor', id: res.body.auditor_id, partnerId: null });
    expect(await everyTableText(stack.deps.db)).not.toContain(res.body.key);
  });

  it('POST with partner_id scopes the auditor to that partner', async () => {
    const partner = await createPartner(stack);
    const res = await admin(stack, 'POST', '/admin/auditors', { name: 'Scoped', partner_id: partner.id });
    expect(res.status).toBe(201);
    expect(res.body.partner_id).toBe(partner.id);
    expect(await reader(res.body.key)).toEqual({ kind: 'auditor', id: res.body.auditor_id, partnerId: partner.id });
    const record = (await auditRows(stack)).find((r) => r.action === 'auditor.create' && r.partner_id === partner.id);
    expect(record!.details).toEqual({ auditor_id: res.body.auditor_id, fields: ['name', 'partner_id'] });
    expect(JSON.stringify(record)).not.toContain(res.body.key);
  });

  it('GET lists and gets auditors without keys', async () => {
    const created = await admin(stack, 'POST', '/admin/auditors', { name: 'Listed' });
    const list = await admin(stack, 'GET', '/admin/auditors');
    expect(list.status).toBe(200);
    expect(list.body.auditors.map((a: any) => a.auditor_id)).toContain(created.body.auditor_id);
    expect(JSON.stringify(list.body)).not.toContain(created.body.key);
    const one = await admin(stack, 'GET', `/admin/auditors/${created.body.auditor_id}`);
    expect(one.body).toMatchObject({ auditor_id: created.body.auditor_id, name: 'Listed' });
    expect(one.body).not.toHaveProperty('key');
  });

  it('PATCH re-scopes, un-scopes and disables; a disabled key stops working', async () => {
    const partner = await createPartner(stack);
    const created = await admin(stack, 'POST', '/admin/auditors', { name: 'Movable' });
    const id = created.body.auditor_id;
    const scoped = await admin(stack, 'PATCH', `/admin/auditors/${id}`, { partner_id: partner.id });
    expect(scoped.body.partner_id).toBe(partner.id);
    expect(await reader(created.body.key)).toMatchObject({ partnerId: partner.id });
    const unscoped = await admin(stack, 'PATCH', `/admin/auditors/${id}`, { partner_id: null });
    expect(unscoped.body.partner_id).toBeNull();
    const disabled = await admin(stack, 'PATCH', `/admin/auditors/${id}`, { disabled: true });
    expect(disabled.body.disabled).toBe(true);
    expect(await reader(created.body.key)).toEqual({ error_code: 'INVALID_API_KEYS' });
  });

  it('rotate_secret answers a new key; the old key stops working at once', async () => {
    const created = await admin(stack, 'POST', '/admin/auditors', { name: 'Rotating' });
    const rotated = await admin(stack, 'POST', `/admin/auditors/${created.body.auditor_id}/rotate_secret`, {});
    expect(rotated.status).toBe(200);
    expect(rotated.body.key).toMatch(/^gwaud_/);
    expect(rotated.body.key).not.toBe(created.body.key);
    expect(await reader(created.body.key)).toEqual({ error_code: 'INVALID_API_KEYS' });
    expect(await reader(rotated.body.key)).toMatchObject({ kind: 'auditor', id: created.body.auditor_id });
  });

  it('rotate_secret also works with no body at all (curl -X POST)', async () => {
    const created = await admin(stack, 'POST', '/admin/auditors', { name: 'No body' });
    const res = await call(stack.app, 'POST', `/admin/auditors/${created.body.auditor_id}/rotate_secret`, {
      rawBody: '',
      headers: bearer(stack.adminKey),
    });
    expect(res.status).toBe(200);
    expect(res.body.key).toMatch(/^gwaud_/);
  });
});

describe('/admin/auditors errors', () => {
  it('an unknown partner_id answers INVALID_FIELD and creates nothing', async () => {
    const before = (await admin(stack, 'GET', '/admin/auditors')).body.auditors.length;
    const res = await admin(stack, 'POST', '/admin/auditors', { name: 'X', partner_id: 'ptn_nope' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error_type: 'INVALID_REQUEST', error_code: 'INVALID_FIELD' });
    expect((await admin(stack, 'GET', '/admin/auditors')).body.auditors.length).toBe(before);
  });

  it('unknown auditor ids answer NOT_FOUND; bad bodies INVALID_REQUEST codes', async () => {
    expect((await admin(stack, 'GET', '/admin/auditors/aud_nope')).body.error_code).toBe('NOT_FOUND');
    expect((await admin(stack, 'PATCH', '/admin/auditors/aud_nope', { name: 'x' })).body.error_code).toBe('NOT_FOUND');
    expect((await admin(stack, 'POST', '/admin/auditors/aud_nope/rotate_secret', {})).body.error_code).toBe('NOT_FOUND');
    expect((await admin(stack, 'POST', '/admin/auditors', { partner_id: null })).body.error_code).toBe('MISSING_FIELDS');
    expect((await admin(stack, 'POST', '/admin/auditors', { name: 'a', key: 'chosen' })).body.error_code).toBe('UNKNOWN_FIELDS');
  });
});
