import { SignJWT, exportJWK, generateKeyPair, type CryptoKey as JoseKey } from 'jose';
import type { JwkPublicKey } from '../plaid/schemas';
import { sha256Hex } from '../lib/ids';

/**
 * Webhooks, signed the way Plaid signs them: the body is JSON with 2-space
 * indentation; the `Plaid-Verification` header holds an ES256 JWT whose header
 * names the key (`kid`) and whose payload is {iat, request_body_sha256}. The
 * public key is served by /webhook_verification_key/get as a JWK.
 *
 * Delivery is fire-and-forget (a 10 s timeout, as Plaid gives receivers; no
 * retries): a failing receiver never fails or slows the request that caused it.
 */

export const WEBHOOK_TIMEOUT_MS = 10_000;

interface SigningKey {
  kid: string;
  privateKey: JoseKey;
  jwk: JwkPublicKey;
}

export interface WebhookDelivery {
  url: string;
  body: Record<string, unknown>;
  status: number | null;
  error?: string;
}

export class WebhookSender {
  private key: Promise<SigningKey> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  /** The last deliveries (newest last), for debugging and tests. */
  readonly deliveries: WebhookDelivery[] = [];

  constructor(
    private readonly clock: () => Date,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  private signingKey(): Promise<SigningKey> {
    this.key ??= (async () => {
      const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
      const kid = crypto.randomUUID();
      const exported = await exportJWK(publicKey);
      const jwk: JwkPublicKey = {
        alg: 'ES256',
        crv: exported.crv ?? 'P-256',
        kid,
        kty: exported.kty ?? 'EC',
        use: 'sig',
        x: exported.x ?? '',
        y: exported.y ?? '',
        created_at: Math.floor(this.clock().getTime() / 1000),
        expired_at: null,
      };
      return { kid, privateKey, jwk };
    })();
    return this.key;
  }

  /** The public key for a `kid`, or undefined when the emulator never signed with it. */
  async publicKey(kid: string): Promise<JwkPublicKey | undefined> {
    const key = await this.signingKey();
    return key.kid === kid ? key.jwk : undefined;
  }

  /** Signs and POSTs `payload` to `url` in the background. */
  send(url: string, payload: Record<string, unknown>): void {
    const delivery = this.deliver(url, payload).finally(() => this.inFlight.delete(delivery));
    this.inFlight.add(delivery);
  }

  /** Resolves once every webhook sent so far has been delivered or has failed. */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async deliver(url: string, payload: Record<string, unknown>): Promise<void> {
    const record: WebhookDelivery = { url, body: payload, status: null };
    this.deliveries.push(record);
    if (this.deliveries.length > 100) this.deliveries.shift();
    try {
      const body = JSON.stringify(payload, null, 2);
      const key = await this.signingKey();
      const jwt = await new SignJWT({ request_body_sha256: await sha256Hex(body) })
        .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'JWT' })
        .setIssuedAt(Math.floor(this.clock().getTime() / 1000))
        .sign(key.privateKey);
      const response = await this.fetchImpl(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'plaid-verification': jwt },
        body,
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      record.status = response.status;
      await response.body?.cancel().catch(() => {});
    } catch (err) {
      record.error = err instanceof Error ? err.name : 'error';
    }
  }
}
