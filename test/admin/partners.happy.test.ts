import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { partners } from '../../src/db/schema';
import { hashSecret } from '../../src/auth/hash';
import { sealContext } from '../../src/tenancy/tokens';
import { startTestStack, TEST_PLAID_CLIENT, type TestStack } from '../support/stack';
import { admin, createPartner } from '../support/tenants';
import { auditRows } from '../support/audit';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.close());

describe('POST /admin/partners', () => {
  it('creates a partner with gateway credentials, the default products and no secret in later reads', async () => {
    const res = await admin(stack, 'POST', '/admin/partners', {
      name: 'Dwolla',
      processor: 'dwolla',
      plaid: { client_id: TEST_PLAID_CLIENT.clientId, secret: TEST_PLAID_CLIENT.secret },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      partner_id: expect.stringMatching(/^ptn_[a-z0-9]{20}$/),
      client_id: expect.stringMatching(/^cli_[a-z0-9]{20}$/),
      secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      name: 'Dwolla',
      processor: 'dwolla',
      plaid: { client_id: TEST_PLAID_CLIENT.clientId },
      products: ['auth', 'balance', 'identity', 'signal', 'transactions'],
      rate_limits: {},
      disabled: false,
      request_id: expect.stringMatching(/^[A-Za-z0-9]{15}$/),
    });
    expect(JSON.stringify(res.body)).not.toContain(TEST_PLAID_CLIENT.secret);

    const [row] = await stack.deps.db.select().from(partners).where(eq(partners.id, res.body.partner_id));
    expect(row!.secretHash).toBe(await hashSecret(res.body.secret));
    expect(row!.plaidSecretKeyId).toBe('t1');
    expect(row!.plaidSecretSealed).not.toContain(TEST_PLAID_CLIENT.secret);
    const opened = await stack.deps.keyring.open(
      { keyId: row!.plaidSecretKeyId, value: row!.plaidSecretSealed },
      sealContext.plaidSecret(row!.id),
    );
    expect(opened).toBe(TEST_PLAID_CLIENT.secret);
  });

  it('accepts products and rate_limits, de-duplicating products', async () => {
    const { body } = await createPartner(stack, {
      processor: 'moov',
      products: ['auth', 'auth', 'identity_match'],
      rate_limits: {
        partner: { '/processor/auth/get': { limit: 500, window_seconds: 60 } },
        token: { '/processor/transactions/sync': { limit: 50, window_seconds: 60 } },
      },
    });
    expect(body.products).toEqual(['auth', 'identity_match']);
    expect(body.rate_limits).toEqual({
      partner: { '/processor/auth/get': { limit: 500, window_seconds: 60 } },
      token: { '/processor/transactions/sync': { limit: 50, window_seconds: 60 } },
    });
  });

  it('accepts every processor value of the 2023 page, prime_trust included, and newer spec values', async () => {
    for (const processor of ['prime_trust', 'svb_api', 'bond', 'finix']) {
      const res = await admin(stack, 'POST', '/admin/partners', {
        name: processor,
        processor,
        plaid: { client_id: 'c', secret: 's' },
      });
      expect(res.status, processor).toBe(201);
    }
  });

  it('audits the creation with field names only', async () => {
    const { id } = await createPartner(stack, { products: ['auth'] });
    const rows = await auditRows(stack);
    const record = rows.find((r) => r.action === 'partner.create' && r.partner_id === id);
    expect(record).toMatchObject({ actor_type: 'operator', decision: 'allow', http_status: 201 });
    expect(record!.details.fields).toEqual(['name', 'processor', 'plaid.client_id', 'plaid.secret', 'products']);
    expect(JSON.stringify(record)).not.toContain(TEST_PLAID_CLIENT.secret);
  });
});

describe('GET /admin/partners and /admin/partners/{partner_id}', () => {
  it('lists and gets partners without any secret', async () => {
    const created = await createPartner(stack, { name: 'Listed' });
    const list = await admin(stack, 'GET', '/admin/partners');
    expect(list.status).toBe(200);
    const found = list.body.partners.find((p: any) => p.partner_id === created.id);
    expect(found).toMatchObject({ name: 'Listed', client_id: created.clientId, plaid: { client_id: TEST_PLAID_CLIENT.clientId } });
    expect(found).not.toHaveProperty('secret');
    expect(JSON.stringify(list.body)).not.toContain(created.secret);
    expect(JSON.stringify(list.body)).not.toContain(TEST_PLAID_CLIENT.secret);

    const one = await admin(stack, 'GET', `/admin/partners/${created.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ partner_id: created.id, name: 'Listed', disabled: false });
    expect(one.body).not.toHaveProperty('secret');
    expect(one.body.plaid).toEqual({ client_id: TEST_PLAID_CLIENT.clientId });
  });
});

describe('PATCH /admin/partners/{partner_id}', () => {
  it('updates products, rate_limits, disabled and name, auditing the field names', async () => {
    const { id } = await createPartner(stack);
    const res = await admin(stack, 'PATCH', `/admin/partners/${id}`, {
      name: 'Renamed',
      products: ['auth', 'balance'],
      rate_limits: { partner: { '/processor/balance/get': { limit: 5, window_seconds: 60 } } },
      disabled: true,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      partner_id: id,
      name: 'Renamed',
      products: ['auth', 'balance'],
      rate_limits: { partner: { '/processor/balance/get': { limit: 5, window_seconds: 60 } } },
      disabled: true,
    });
    expect(res.body).not.toHaveProperty('secret');
    const again = await admin(stack, 'GET', `/admin/partners/${id}`);
    expect(again.body.products).toEqual(['auth', 'balance']);
    expect(again.body.disabled).toBe(true);

    const record = (await auditRows(stack)).find((r) => r.action === 'partner.update' && r.partner_id === id);
    expect(record!.details).toEqual({ changed: ['name', 'products', 'rate_limits', 'disabled'] });
  });

  it('rate_limits: {} returns to the defaults; re-enabling works', async () => {
    const { id } = await createPartner(stack, {
      rate_limits: { token: { '/processor/auth/get': { limit: 1, window_seconds: 1 } } },
    });
    const res = await admin(stack, 'PATCH', `/admin/partners/${id}`, { rate_limits: {}, disabled: false });
    expect(res.status).toBe(200);
    expect(res.body.rate_limits).toEqual({});
  });

  it('re-seals a new Plaid secret and records only "plaid.secret"', async () => {
    const { id } = await createPartner(stack);
    const res = await admin(stack, 'PATCH', `/admin/partners/${id}`, {
      plaid: { client_id: 'new_plaid_client', secret: 'new-plaid-secret-value' },
    });
    expect(res.status).toBe(200);
    expect(res.body.plaid).toEqual({ client_id: 'new_plaid_client' });
    const [row] = await stack.deps.db.select().from(partners).where(eq(partners.id, id));
    expect(row!.plaidClientId).toBe('new_plaid_client');
    expect(
      await stack.deps.keyring.open({ keyId: row!.plaidSecretKeyId, value: row!.plaidSecretSealed }, sealContext.plaidSecret(id)),
    ).toBe('new-plaid-secret-value');
    const record = (await auditRows(stack)).find((r) => r.action === 'partner.update' && r.partner_id === id);
    expect(record!.details).toEqual({ changed: ['plaid.client_id', 'plaid.secret'] });
    expect(JSON.stringify(record)).not.toContain('new-plaid-secret-value');
  });
});

describe('POST /admin/partners/{partner_id}/rotate_secret', () => {
  it('answers a new secret, stores only its hash and audits the rotation', async () => {
    const created = await createPartner(stack);
    const res = await admin(stack, 'POST', `/admin/partners/${created.id}/rotate_secret`, {});
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ partner_id: created.id, client_id: created.clientId });
    expect(res.body.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(res.body.secret).not.toBe(created.secret);
    const [row] = await stack.deps.db.select().from(partners).where(eq(partners.id, created.id));
    expect(row!.secretHash).toBe(await hashSecret(res.body.secret));
    const record = (await auditRows(stack)).find((r) => r.action === 'partner.rotate_secret');
    expect(record).toMatchObject({ partner_id: created.id, http_status: 200 });
    expect(JSON.stringify(record)).not.toContain(res.body.secret);
  });
});

describe('GET /openapi.json', () => {
  it('documents the operator and fintech routes', async () => {
    const { call } = await import('../support/stack');
    const res = await call(stack.app, 'GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining([
        '/admin/partners',
        '/admin/partners/{partner_id}',
        '/admin/partners/{partner_id}/rotate_secret',
        '/admin/fintechs/{fintech_id}',
        '/admin/auditors/{auditor_id}/rotate_secret',
        '/gateway/processor_token/import',
        '/gateway/processor_token/revoke',
        '/processor/token/permissions/set',
        '/processor/token/permissions/get',
        '/processor/token/webhook/update',
      ]),
    );
    expect(res.body.paths['/admin/partners'].post.responses).toHaveProperty('201');
  });
});
