/**
 * Security: after the whole flow runs through the HTTP API (operator creates,
 * fintech imports, partner calls with secrets in headers and bodies, identity
 * match with personal data, failed logins presenting wrong secrets, key
 * rotation, revocation), not one audit row, nor the export, contains a secret,
 * a raw or gateway token, an account or routing number, or personal data.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/database';
import { bearer, call, startTestStack, TEST_PLAID_CLIENT, type TestStack } from '../support/stack';
import { admin, clientCall, createAuditor, createFintech, createPartner, importToken, plaidHeaders } from '../support/tenants';

let stack: TestStack;
const seeded = new Map<string, string>();
let auditText = '';
let exportText = '';
let recordCount = 0;

beforeAll(async () => {
  stack = await startTestStack();
  seeded.set('admin key', stack.adminKey);
  seeded.set('partner Plaid secret', TEST_PLAID_CLIENT.secret);
  const partner = await createPartner(stack, { name: 'Secretive Partner Inc' });
  const fintech = await createFintech(stack, 'Hidden Fintech LLC');
  seeded.set('partner secret', partner.secret);
  seeded.set('fintech secret', fintech.secret);
  seeded.set('partner name', 'Secretive Partner Inc');
  seeded.set('fintech name', 'Hidden Fintech LLC');
  const auditor = await createAuditor(stack, { name: 'Auditor Name Here', partner_id: partner.id });
  seeded.set('auditor key', auditor.key);

  const token = await importToken(stack, { partner, fintech, webhook: 'https://hooks.example/secret-path?sig=abc123' });
  seeded.set('raw token', token.rawToken);
  seeded.set('gateway token', token.gatewayToken);
  seeded.set('webhook url', 'https://hooks.example/secret-path?sig=abc123');

  // Credentials in the body rather than the headers.
  const auth = await call(stack.app, 'POST', '/processor/auth/get', {
    body: { client_id: partner.clientId, secret: partner.secret, processor_token: token.gatewayToken },
  });
  expect(auth.status).toBe(200);
  const ach = auth.body.numbers.ach;
  seeded.set('account number', ach.account);
  seeded.set('routing number', ach.routing);
  seeded.set('wire routing', ach.wire_routing);

  const match = await call(stack.app, 'POST', '/processor/identity/match', {
    headers: plaidHeaders(partner),
    body: {
      processor_token: token.gatewayToken,
      user: {
        legal_name: 'Zebulon Quixote',
        phone_number: '+1 415 555 0199',
        email_address: 'zebulon.quixote@example.org',
        address: { street: '742 Evergreen Terrace', city: 'Springfield', region: 'IL', postal_code: '62704', country: 'US' },
      },
    },
  });
  expect(match.status).toBe(200);
  for (const [label, value] of [
    ['legal name', 'Zebulon Quixote'],
    ['phone', '+1 415 555 0199'],
    ['e-mail', 'zebulon.quixote@example.org'],
    ['street', '742 Evergreen Terrace'],
  ] as const)
    seeded.set(label, value);

  // Wrong credentials presented: never recorded either.
  const wrongAdmin = 'wrong-admin-key-Zt3kQ9xWm2LpV7rN4sY8';
  const wrongSecret = 'wrong-partner-secret-Hq8vN2mK5pL9';
  seeded.set('presented wrong admin key', wrongAdmin);
  seeded.set('presented wrong secret', wrongSecret);
  await call(stack.app, 'GET', '/admin/partners', { headers: bearer(wrongAdmin) });
  await call(stack.app, 'POST', '/processor/auth/get', {
    headers: { 'PLAID-CLIENT-ID': partner.clientId, 'PLAID-SECRET': wrongSecret },
    body: { processor_token: token.gatewayToken },
  });
  await call(stack.app, 'GET', '/audit/events', { headers: bearer(wrongAdmin) });
  // A token put where an id belongs.
  await call(stack.app, 'GET', `/audit/events?token=${encodeURIComponent(token.gatewayToken)}`, { headers: bearer(stack.adminKey) });
  await call(stack.app, 'GET', `/admin/partners/${encodeURIComponent(token.rawToken)}`, { headers: bearer(stack.adminKey) });

  const rotated = await admin(stack, 'POST', `/admin/partners/${partner.id}/rotate_secret`, {});
  expect(rotated.status).toBe(200);
  seeded.set('rotated partner secret', rotated.body.secret);
  const narrowed = await clientCall(stack, fintech, '/processor/token/permissions/set', {
    processor_token: token.gatewayToken,
    products: ['auth'],
  });
  expect(narrowed.status).toBe(200);
  const revoked = await clientCall(stack, fintech, '/gateway/processor_token/revoke', { processor_token: token.gatewayToken });
  expect(revoked.status).toBe(200);

  const rows = await queryRows<{ j: string }>(stack.deps.db, sql`select row_to_json(t)::text as j from audit_events t order by seq`);
  recordCount = rows.length;
  auditText = rows.map((r) => r.j).join('\n');
  const exported = await stack.app.request('/audit/export?format=csv', { headers: bearer(stack.adminKey) });
  exportText = await exported.text();
});
afterAll(async () => stack?.close());

describe('the audit trail holds no secret, token, account number or personal data', () => {
  it('the flow was recorded (operator, fintech, partner, failed logins, reads)', () => {
    expect(recordCount).toBeGreaterThanOrEqual(14);
    for (const action of ['partner.create', 'fintech.create', 'auditor.create', 'token.import', 'partner.call', 'auth.failed', 'token.revoke', 'audit.events']) {
      expect(auditText).toContain(`"action":"${action}"`);
    }
    expect(seeded.size).toBeGreaterThanOrEqual(20);
    // The query that put a token where a token id belongs was refused, and recorded as refused.
    expect(auditText).toMatch(/"action":"audit\.events"[^}]*"decision":"deny","reason":"INVALID_FIELD"/);
  });

  it('no seeded value appears in any audit row or in the export', () => {
    const leaks: string[] = [];
    for (const [label, value] of seeded) {
      expect(value.length, label).toBeGreaterThanOrEqual(6);
      if (auditText.includes(value)) leaks.push(`${label} (table)`);
      if (exportText.includes(value)) leaks.push(`${label} (export)`);
    }
    expect(leaks).toEqual([]);
  });

  it('no Plaid or gateway token shape appears at all', () => {
    expect(auditText).not.toMatch(/processor-(sandbox|development|production|gw)-/);
    expect(auditText).not.toMatch(/access-(sandbox|production)-/);
  });

  it('and the chain over all of it verifies', async () => {
    const res = await call(stack.app, 'GET', '/audit/verify', { headers: bearer(stack.adminKey) });
    expect(res.body).toMatchObject({ ok: true });
    expect(res.body.checked).toBe(recordCount + 1); // + the export's own record
  });
});
