import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { hashSecret } from '../../src/auth/hash';
import { fintechs } from '../../src/db/schema';
import { startTestStack, type TestStack } from '../support/stack';
import { admin, createFintech } from '../support/tenants';
import { auditRows } from '../support/audit';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.close());

describe('/admin/fintechs', () => {
  it('POST creates a fintech: 201 with client_id and a one-time secret, stored as a hash', async () => {
    const res = await admin(stack, 'POST', '/admin/fintechs', { name: 'Acme Pay' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      fintech_id: expect.stringMatching(/^ftc_[a-z0-9]{20}$/),
      client_id: expect.stringMatching(/^cli_[a-z0-9]{20}$/),
      secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      name: 'Acme Pay',
      disabled: false,
      request_id: expect.any(String),
    });
    const [row] = await stack.deps.db.select().from(fintechs).where(eq(fintechs.id, res.body.fintech_id));
    expect(row!.secretHash).toBe(await hashSecret(res.body.secret));
    const record = (await auditRows(stack)).find((r) => r.action === 'fintech.create');
    expect(record).toMatchObject({ fintech_id: res.body.fintech_id, actor_type: 'operator', http_status: 201 });
  });

  it('GET lists and gets fintechs without secrets', async () => {
    const created = await createFintech(stack, 'Listed Fintech');
    const list = await admin(stack, 'GET', '/admin/fintechs');
    expect(list.status).toBe(200);
    expect(list.body.fintechs.map((f: any) => f.fintech_id)).toContain(created.id);
    expect(JSON.stringify(list.body)).not.toContain(created.secret);
    const one = await admin(stack, 'GET', `/admin/fintechs/${created.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ fintech_id: created.id, name: 'Listed Fintech', client_id: created.clientId });
    expect(one.body).not.toHaveProperty('secret');
  });

  it('PATCH renames and disables, auditing the field names', async () => {
    const { id } = await createFintech(stack);
    const res = await admin(stack, 'PATCH', `/admin/fintechs/${id}`, { name: 'Renamed', disabled: true });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ fintech_id: id, name: 'Renamed', disabled: true });
    const record = (await auditRows(stack)).find((r) => r.action === 'fintech.update' && r.fintech_id === id);
    expect(record!.details).toEqual({ changed: ['name', 'disabled'] });
  });

  it('rotate_secret answers a new secret and replaces the stored hash', async () => {
    const created = await createFintech(stack);
    const res = await admin(stack, 'POST', `/admin/fintechs/${created.id}/rotate_secret`, {});
    expect(res.status).toBe(200);
    expect(res.body.secret).not.toBe(created.secret);
    const [row] = await stack.deps.db.select().from(fintechs).where(eq(fintechs.id, created.id));
    expect(row!.secretHash).toBe(await hashSecret(res.body.secret));
    expect((await auditRows(stack)).some((r) => r.action === 'fintech.rotate_secret' && r.fintech_id === created.id)).toBe(true);
  });
});

describe('/admin/fintechs errors', () => {
  it('unknown ids answer 400 NOT_FOUND', async () => {
    for (const [method, path, body] of [
      ['GET', '/admin/fintechs/ftc_nope', undefined],
      ['PATCH', '/admin/fintechs/ftc_nope', { name: 'x' }],
      ['POST', '/admin/fintechs/ftc_nope/rotate_secret', {}],
    ] as const) {
      const res = await admin(stack, method, path, body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error_type: 'INVALID_REQUEST', error_code: 'NOT_FOUND' });
    }
  });

  it('bad bodies answer INVALID_REQUEST codes', async () => {
    expect((await admin(stack, 'POST', '/admin/fintechs', {})).body.error_code).toBe('MISSING_FIELDS');
    expect((await admin(stack, 'POST', '/admin/fintechs', { name: 'a', partner_id: 'x' })).body.error_code).toBe('UNKNOWN_FIELDS');
    expect((await admin(stack, 'POST', '/admin/fintechs', { name: ['a'] })).body.error_code).toBe('INVALID_FIELD');
    const { id } = await createFintech(stack);
    expect((await admin(stack, 'PATCH', `/admin/fintechs/${id}`, {})).body.error_code).toBe('MISSING_FIELDS');
    expect((await admin(stack, 'PATCH', `/admin/fintechs/${id}`, { disabled: 1 })).body.error_code).toBe('INVALID_FIELD');
  });
});
