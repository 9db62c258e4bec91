/**
 * The verification key cache against a Plaid stand-in that can expire and
 * withhold keys (the emulator's key never expires): expired keys are refused,
 * keys are cached for at most an hour, and Plaid being down is not a refusal.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/lib/ids';
import { createHttpUpstream } from '../../src/upstream/http';
import { VerificationKeyCache, verifyPlaidWebhook } from '../../src/webhooks/verification';

let server: Server;
let baseUrl: string;
let keyRequests = 0;
let status = 200;
let expiredAt: number | null = null;
const kid = crypto.randomUUID();
let privateKey: CryptoKey;
let publicJwk: Record<string, unknown>;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  privateKey = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), alg: 'ES256', kid, use: 'sig', created_at: 1_700_000_000 };
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      keyRequests++;
      const body =
        status === 200
          ? { key: { ...publicJwk, expired_at: expiredAt }, request_id: 'req' }
          : { error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR', error_message: 'down', request_id: 'req' };
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const body = new TextEncoder().encode('{\n  "webhook_type": "ITEM",\n  "webhook_code": "NEW_ACCOUNTS_AVAILABLE"\n}');

async function check(keys: VerificationKeyCache, now: number) {
  const jwt = await new SignJWT({ request_body_sha256: await sha256Hex(body) })
    .setProtectedHeader({ alg: 'ES256', kid })
    .setIssuedAt(Math.floor(now / 1000))
    .sign(privateKey);
  return verifyPlaidWebhook({ header: jwt, rawBody: body, keys, credentials: { clientId: 'c', secret: 's' }, now });
}

describe('VerificationKeyCache', () => {
  it('caches a key for an hour, then fetches it again and refuses it once Plaid says it expired', async () => {
    const keys = new VerificationKeyCache(createHttpUpstream({ baseUrl, timeoutMs: 2_000 }));
    const t0 = Date.now();
    status = 200;
    expiredAt = null;
    keyRequests = 0;
    expect(await check(keys, t0)).toEqual({ ok: true });
    expect(await check(keys, t0 + 30 * 60_000)).toEqual({ ok: true });
    expect(keyRequests).toBe(1);

    expiredAt = Math.floor((t0 + 50 * 60_000) / 1000);
    expect(await check(keys, t0 + 61 * 60_000)).toEqual({ ok: false, reason: 'key_expired' });
    expect(keyRequests).toBe(2);
  });

  it('remembers a kid Plaid does not know for a minute: forged kids cannot make the gateway call Plaid each time', async () => {
    const keys = new VerificationKeyCache(createHttpUpstream({ baseUrl, timeoutMs: 2_000 }));
    status = 400;
    keyRequests = 0;
    try {
      const t0 = Date.now();
      for (let i = 0; i < 5; i++) expect(await check(keys, t0 + i * 1000)).toEqual({ ok: false, reason: 'key_unknown' });
      expect(keyRequests).toBe(1);
      status = 200;
      expect(await check(keys, t0 + 61_000)).toEqual({ ok: true });
      expect(keyRequests).toBe(2);
    } finally {
      status = 200;
    }
  });

  it('Plaid unreachable or failing is key_unavailable (the route answers 500 so Plaid retries), not a refusal', async () => {
    const keys = new VerificationKeyCache(createHttpUpstream({ baseUrl, timeoutMs: 2_000 }));
    status = 500;
    try {
      expect(await check(keys, Date.now())).toEqual({ ok: false, reason: 'key_unavailable' });
    } finally {
      status = 200;
    }
    const dead = new VerificationKeyCache(createHttpUpstream({ baseUrl: 'http://127.0.0.1:9', timeoutMs: 1_000 }));
    expect(await check(dead, Date.now())).toEqual({ ok: false, reason: 'key_unavailable' });
  });
});
