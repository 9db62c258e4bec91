import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partners, processorTokens, webhookDestinations } from '../../src/db/schema';
import { signingSecrets } from '../../src/webhooks/destinations';
import { Keyring } from '../../src/tenancy/crypto';
import { unsealForCall } from '../../src/tenancy/admission';
import { rotateKeys, sealedKeyUsage } from '../../src/tenancy/rotation';
import { startTestStack, type TestStack } from '../support/stack';
import { admitCall, clientCall, createFintech, createPartner, importToken, mintRawToken } from '../support/tenants';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.close());

const key = (id: string) => ({ id, bytes: crypto.getRandomValues(new Uint8Array(32)) });

describe('rotateKeys()', () => {
  it('re-seals every sealed value (Plaid secrets, raw tokens, webhook secrets, the signing key) under the current key; old key no longer needed', async () => {
    const plaidSecret = 'plaid-secret-before-rotation';
    const partner = await createPartner(stack, { plaid: { clientId: 'pc', secret: plaidSecret } });
    const fintech = await createFintech(stack);
    const tokens = [];
    for (let i = 0; i < 4; i++) tokens.push(await importToken(stack, { partner, fintech, rawToken: await mintRawToken(stack) }));
    // A token with a webhook destination whose secret was rotated once (current + previous), and the gateway's signing key.
    // (Its partner has Plaid keys the emulator knows: the webhook is registered with Plaid.)
    const registered = await createPartner(stack);
    const hooked = await importToken(stack, { partner: registered, fintech, webhook: 'https://hooks.example.com/plaid' });
    tokens.push(hooked);
    const rotated = await clientCall(stack, fintech, '/gateway/webhook/secret/rotate', { processor_token: hooked.gatewayToken });
    expect(rotated.status).toBe(200);
    await stack.deps.webhooks.signer.sign(stack.deps, '{}', Math.floor(Date.now() / 1000));
    const oldKeyId = stack.deps.keyring.currentKeyId;
    const oldKey = stack.config.encryptionKeys[0]!;
    const before = await stack.deps.db.select().from(processorTokens);

    const next = key('t2');
    const rotating = new Keyring([next, oldKey]);
    const report = await rotateKeys({ db: stack.deps.db, keyring: rotating }, { batchSize: 2 });
    const everything = { partners: 2, tokens: 5, webhook_secrets: 1, webhook_previous_secrets: 1, webhook_signing_keys: 1 };
    expect(report).toEqual({ currentKeyId: 't2', ...everything, skipped: 0 });
    expect(await sealedKeyUsage(stack.deps.db)).toEqual({ t2: everything });
    expect(await sealedKeyUsage(stack.deps.db)).not.toHaveProperty(oldKeyId);

    const after = await stack.deps.db.select().from(processorTokens);
    for (const row of after) expect(row.rawSealed).not.toBe(before.find((b) => b.id === row.id)!.rawSealed);

    // Only the new key from now on: every token still opens to its raw value.
    const onlyNew = new Keyring([next]);
    for (const t of tokens) {
      const d = await admitCall(stack, t === hooked ? registered : partner, t.gatewayToken);
      expect(d.outcome).toBe('allowed');
      if (d.outcome !== 'allowed') continue;
      expect(await unsealForCall(onlyNew, d)).toMatchObject({ rawToken: t.rawToken, ...(t === hooked ? {} : { plaidSecret }) });
      // ...and the old key alone no longer can.
      await expect(unsealForCall(new Keyring([oldKey]), d)).rejects.toThrow();
    }

    // The webhook secrets open with the new key alone, to the values the fintech holds.
    const [destination] = await stack.deps.db.select().from(webhookDestinations);
    expect(await signingSecrets(onlyNew, destination!, new Date())).toEqual([rotated.body.webhook_secret, hooked.body.webhook_secret]);

    // A second run has nothing to do.
    expect(await rotateKeys({ db: stack.deps.db, keyring: rotating })).toEqual({
      currentKeyId: 't2',
      partners: 0,
      tokens: 0,
      webhook_secrets: 0,
      webhook_previous_secrets: 0,
      webhook_signing_keys: 0,
      skipped: 0,
    });
  });

  it('fails loudly (changing nothing it cannot open) when a needed old key is missing', async () => {
    const usage = await sealedKeyUsage(stack.deps.db);
    const strayKeyring = new Keyring([key('t9')]);
    await expect(rotateKeys({ db: stack.deps.db, keyring: strayKeyring })).rejects.toThrow(/no encryption key/);
    expect(await sealedKeyUsage(stack.deps.db)).toEqual(usage);
    const rows = await stack.deps.db.select({ keyId: partners.plaidSecretKeyId }).from(partners);
    expect(rows.every((r) => r.keyId !== 't9')).toBe(true);
  });
});
