import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, TEST_PLAID_CLIENT, type TestStack } from '../support/stack';
import { admin, clientCall, createAuditor, createFintech, createPartner, importToken, mintRawToken } from '../support/tenants';
import { everyTableText } from '../support/db';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.close());

describe('nothing secret is stored in clear', () => {
  it('no raw token, Plaid secret, gateway token, partner/fintech secret or auditor key appears in any table', async () => {
    const plaidSecret = `plaid-secret-${crypto.randomUUID()}`;
    const partner = await createPartner(stack, { plaid: { clientId: TEST_PLAID_CLIENT.clientId, secret: plaidSecret } });
    const fintech = await createFintech(stack);
    const auditor = await createAuditor(stack, { name: 'Compliance', partner_id: partner.id });
    const imported = await importToken(stack, { partner, fintech, rawToken: await mintRawToken(stack), products: ['auth'] });
    await clientCall(stack, fintech, '/processor/token/permissions/get', { processor_token: imported.gatewayToken });
    const rotated = await admin(stack, 'POST', `/admin/partners/${partner.id}/rotate_secret`, {});
    const newPlaidSecret = `plaid-secret-${crypto.randomUUID()}`;
    await admin(stack, 'PATCH', `/admin/partners/${partner.id}`, { plaid: { secret: newPlaidSecret } });

    const text = await everyTableText(stack.deps.db);
    // The scan sees every table, including the ones holding the hashes and sealed values.
    for (const table of ['partners', 'fintechs', 'auditors', 'processor_tokens', 'audit_events']) {
      expect(text).toContain(`${table}:`);
    }
    expect(text).toContain(partner.id);
    expect(text).toContain(fintech.clientId);

    const secrets = {
      raw: imported.rawToken,
      rawIdentifier: imported.rawToken.slice('processor-sandbox-'.length),
      gatewayToken: imported.gatewayToken,
      plaidSecret,
      newPlaidSecret,
      partnerSecret: partner.secret,
      rotatedPartnerSecret: rotated.body.secret,
      fintechSecret: fintech.secret,
      auditorKey: auditor.key,
    };
    for (const [name, value] of Object.entries(secrets)) {
      expect(text.includes(value), name).toBe(false);
    }
  });
});
