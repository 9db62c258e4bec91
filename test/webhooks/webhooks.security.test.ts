/**
 * What the gateway refuses: webhooks that do not verify exactly as Plaid
 * documents (each refused, audited, and never forwarded) and destinations that
 * would let a tenant make the gateway call inside its own network.
 */
import { sql } from 'drizzle-orm';
import { SignJWT, decodeProtectedHeader, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/database';
import { sha256Hex } from '../../src/lib/ids';
import { nodeWebhookTransport, safeLookup } from '../../src/webhooks/node-dispatch';
import { UnsafeAddress } from '../../src/webhooks/delivery';
import { checkDestinationUrl, isPublicAddress } from '../../src/webhooks/url-safety';
import { call, type TestStack } from '../support/stack';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../support/webhook-receiver';
import { auditRows } from '../support/audit';
import { type Client, clientCall, importToken, startWorld } from '../support/tenants';
import { emulatorControl } from '../support/http';

let stack: TestStack;
let partner: Client;
let fintech: Client;
let receiver: WebhookReceiver;
let recorder: WebhookReceiver;
/** Added to the gateway's clock (the emulator keeps real time). */
let clockOffsetMs = 0;
let token: { gatewayToken: string; rawToken: string; tokenId: string };
/** A genuine webhook signed by the emulator (Plaid), captured before it reached anyone. */
let genuine: ReceivedWebhook;

beforeAll(async () => {
  ({ stack, partner, fintech } = await startWorld({
    http: true,
    env: { WEBHOOK_ALLOW_LOOPBACK: 'true' },
    deps: { clock: () => new Date(Date.now() + clockOffsetMs) },
  }));
  [receiver, recorder] = await Promise.all([startWebhookReceiver(), startWebhookReceiver()]);
  const imported = await importToken(stack, { partner, fintech });
  const set = await clientCall(stack, partner, '/processor/token/webhook/update', {
    processor_token: imported.gatewayToken,
    webhook: `${receiver.url}/partner`,
  });
  token = { ...imported, tokenId: set.body.processor_token_id };
  await receiver.waitFor(1);

  // Point Plaid (the emulator) at the recorder for a moment to capture a genuinely signed webhook.
  await emulatorControl(stack, '/processor/token/webhook/update', { processor_token: token.rawToken, webhook: `${recorder.url}/capture` });
  await emulatorControl(stack, '/sandbox/processor_token/fire_webhook', { processor_token: token.rawToken, webhook_code: 'NEW_ACCOUNTS_AVAILABLE' });
  genuine = (await recorder.waitFor(1, (w) => w.json.webhook_code === 'NEW_ACCOUNTS_AVAILABLE'))[0]!;
  await emulatorControl(stack, '/processor/token/webhook/update', {
    processor_token: token.rawToken,
    webhook: `${stack.url}/webhooks/plaid/${token.tokenId}`,
  });
});
afterAll(async () => {
  await stack?.close();
  await Promise.all([receiver?.close(), recorder?.close()]);
});

async function deliver(body: string, signature: string | undefined, tokenId = token.tokenId) {
  return call(stack.app, 'POST', `/webhooks/plaid/${tokenId}`, {
    rawBody: body,
    headers: signature === undefined ? {} : { 'plaid-verification': signature },
  });
}

async function queuedCount(): Promise<number> {
  const [row] = await queryRows<{ n: number }>(stack.deps.db, sql`select count(*)::int as n from webhook_deliveries`);
  return row!.n;
}

async function lastInboundRecord() {
  const rows = (await auditRows(stack)).filter((r) => r.action === 'webhook.inbound');
  return rows[rows.length - 1]!;
}

async function ownJwt(body: string, header: { alg?: string; kid: string }, iat = Math.floor(Date.now() / 1000)) {
  const { privateKey } = await generateKeyPair('ES256');
  return new SignJWT({ request_body_sha256: await sha256Hex(body) })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', ...header })
    .setIssuedAt(iat)
    .sign(privateKey);
}

describe('inbound verification', () => {
  it('accepts the genuine webhook (the baseline every refusal below differs from by one thing)', async () => {
    const before = await queuedCount();
    const res = await deliver(genuine.body, genuine.headers['plaid-verification'] as string);
    expect(res.status).toBe(200);
    expect(await queuedCount()).toBe(before + 1);
    expect(await lastInboundRecord()).toMatchObject({ decision: 'allow', token_id: token.tokenId });
  });

  const refusals: Array<[string, () => Promise<{ body: string; signature: string | undefined; tokenId?: string }>, string]> = [
    ['a tampered body', async () => ({ body: genuine.body.replace('"ITEM"', '"ITEM" '), signature: genuine.headers['plaid-verification'] as string }), 'webhook_body_hash_mismatch'],
    [
      'a forged signature (our own key under Plaid\'s kid)',
      async () => {
        const kid = decodeProtectedHeader(genuine.headers['plaid-verification'] as string).kid!;
        return { body: genuine.body, signature: await ownJwt(genuine.body, { kid }) };
      },
      'webhook_signature_invalid',
    ],
    ['an unknown kid', async () => ({ body: genuine.body, signature: await ownJwt(genuine.body, { kid: crypto.randomUUID() }) }), 'webhook_key_unknown'],
    [
      'an algorithm other than ES256',
      async () => {
        const kid = decodeProtectedHeader(genuine.headers['plaid-verification'] as string).kid!;
        const key = new TextEncoder().encode('0123456789abcdef0123456789abcdef');
        const jwt = await new SignJWT({ request_body_sha256: await sha256Hex(genuine.body) })
          .setProtectedHeader({ alg: 'HS256', kid })
          .setIssuedAt()
          .sign(key);
        return { body: genuine.body, signature: jwt };
      },
      'webhook_alg_not_allowed',
    ],
    ['no Plaid-Verification header', async () => ({ body: genuine.body, signature: undefined }), 'webhook_signature_missing'],
    ['a header that is not a JWT', async () => ({ body: genuine.body, signature: 'not.a.jwt' }), 'webhook_signature_invalid'],
    ['an unknown token id', async () => ({ body: genuine.body, signature: genuine.headers['plaid-verification'] as string, tokenId: 'tok_doesnotexist000000' }), 'webhook_token_unknown'],
  ];

  for (const [name, make, reason] of refusals) {
    it(`refuses and audits ${name}, and forwards nothing`, async () => {
      const { body, signature, tokenId } = await make();
      const before = await queuedCount();
      const res = await deliver(body, signature, tokenId);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ error_type: 'INVALID_REQUEST', error_code: 'WEBHOOK_VERIFICATION_FAILED' });
      expect(await queuedCount()).toBe(before);
      expect(await lastInboundRecord()).toMatchObject({ decision: 'deny', reason, actor_type: 'plaid' });
    });
  }

  it('refuses a genuine webhook whose iat is more than five minutes old', async () => {
    clockOffsetMs = 5 * 60_000 + 5_000;
    try {
      const before = await queuedCount();
      const res = await deliver(genuine.body, genuine.headers['plaid-verification'] as string);
      expect(res.status).toBe(401);
      expect(await queuedCount()).toBe(before);
      expect(await lastInboundRecord()).toMatchObject({ decision: 'deny', reason: 'webhook_iat_stale' });
    } finally {
      clockOffsetMs = 0;
    }
  });

  it('records no payload values of refused webhooks', async () => {
    const rows = (await auditRows(stack)).filter((r) => r.action === 'webhook.inbound' && r.decision === 'deny');
    expect(rows.length).toBeGreaterThan(5);
    for (const row of rows) expect(row.details.webhook_code).toBeUndefined();
    expect(JSON.stringify(rows)).not.toContain(genuine.json.item_id);
  });
});

describe('destinations', () => {
  const unsafe = [
    'http://169.254.169.254/latest/meta-data/',
    'https://169.254.169.254/latest/meta-data/',
    'http://10.0.0.1/',
    'https://10.0.0.1/',
    'https://192.168.1.10/hook',
    'https://172.16.5.4/hook',
    'https://100.64.0.1/hook',
    'https://[fd00:ec2::254]/',
    'https://[fe80::1]/',
    'https://[::ffff:10.0.0.1]/',
    'https://[64:ff9b::a00:1]/',
    'https://0.0.0.0/',
    'https://user:pass@hooks.example.com/',
    'http://hooks.example.com/plain-http',
    'https://metadata.google.internal/',
    'https://printer.local/',
    'https://intranet/',
    'ftp://hooks.example.com/',
  ];

  it('refuses every internal, credentialed or non-https URL with INVALID_FIELD, and stores none', async () => {
    const strict = await startWorld();
    try {
      const t = await importToken(strict.stack, { partner: strict.partner, fintech: strict.fintech });
      for (const url of [...unsafe, 'http://127.0.0.1:9/', 'http://[::1]/', 'https://localhost./']) {
        for (const client of [strict.fintech, strict.partner]) {
          const res = await clientCall(strict.stack, client, '/processor/token/webhook/update', { processor_token: t.gatewayToken, webhook: url });
          expect(res.status, url).toBe(400);
          expect(res.body, url).toMatchObject({ error_type: 'INVALID_REQUEST', error_code: 'INVALID_FIELD' });
        }
        const imported = await clientCall(strict.stack, strict.fintech, '/gateway/processor_token/import', {
          processor_token: t.rawToken,
          partner_id: strict.partner.id,
          webhook: url,
        });
        expect(imported.status, url).toBe(400);
      }
      const [row] = await queryRows<{ n: number }>(strict.stack.deps.db, sql`select count(*)::int as n from webhook_destinations`);
      expect(row!.n).toBe(0);
    } finally {
      await strict.stack.close();
    }
  });

  it('WEBHOOK_ALLOW_LOOPBACK admits loopback only, not the rest', async () => {
    for (const url of unsafe) expect(checkDestinationUrl(url, { allowLoopback: true }).ok, url).toBe(false);
    for (const url of ['http://127.0.0.1:9/', 'http://[::1]:9/', 'http://localhost:9/']) {
      expect(checkDestinationUrl(url, { allowLoopback: true }).ok, url).toBe(true);
      expect(checkDestinationUrl(url, { allowLoopback: false }).ok, url).toBe(false);
    }
    expect(checkDestinationUrl('https://hooks.example.com/plaid', { allowLoopback: false }).ok).toBe(true);
    expect(isPublicAddress('8.8.8.8')).toBe(true);
    expect(isPublicAddress('2606:4700:4700::1111')).toBe(true);
  });

  it('checks again at delivery time, after DNS: a name that resolves inside is never connected to', async () => {
    const lookup = safeLookup({ allowLoopback: false });
    const refused = await new Promise<unknown>((resolve) => lookup('localhost', { all: true }, (err) => resolve(err)));
    expect(refused).toBeInstanceOf(UnsafeAddress);
    const allowed = await new Promise<unknown>((resolve) =>
      safeLookup({ allowLoopback: true })('localhost', {}, (err, address) => resolve(err ?? address)),
    );
    expect(String(allowed)).toMatch(/^(127\.|::1)/);

    // The real transport: a name (not a literal address) that resolves to loopback.
    const { transport, close } = nodeWebhookTransport({ allowLoopback: false });
    try {
      const port = new URL(receiver.url).port;
      await expect(transport(`http://localhost:${port}/x`, { headers: {}, body: '{}', timeoutMs: 2_000 })).rejects.toBeInstanceOf(
        UnsafeAddress,
      );
      expect(receiver.received.some((w) => w.path === '/x')).toBe(false);
    } finally {
      await close();
    }
  });
});
