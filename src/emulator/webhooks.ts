import { SignJWT, exportJWK, generateKeyPair, type CryptoKey as JoseKey } from 'jose';
import type { JwkPublicKey } from '../plaid/schemas';
import { sha256Hex } from '../lib/ids';

/**
 * Webhooks, signed the way Plaid signs them: the body is JSON with 2-space
 * indentation; the `Plaid-Verification` header holds an ES256 JWT whose header
 * names the key (`kid`) and whose payload is {iat, request_body_sha256}. The
 * public key is served by /webhook_verification_key/get as a JWK.
 *
 * Delivery is fire-and-forget: a failing receiver never fails or slows the
 * request that caused it. As Plaid documents, "if there is a non-200 response
 * or no response within 10 seconds from the webhook endpoint, Plaid will retry
 * sending the webhook up to two times with a few minutes in between": the
 * same body, signed again (a fresh `iat`), after `retryDelayMs` (default 3
 * minutes) and once more after as long again.
 */

export const WEBHOOK_TIMEOUT_MS = 10_000;
/** Plaid's "up to two times" after the first attempt. */
export const WEBHOOK_RETRIES = 2;
/** Plaid's "a few minutes in between". */
export const WEBHOOK_RETRY_DELAY_MS = 3 * 60_000;

interface SigningKey {
  kid: string;
  privateKey: JoseKey;
  jwk: JwkPublicKey;
}

export interface WebhookDelivery {
  url: string;
  body: Record<string, unknown>;
  /** 1 for the first attempt, 2 and 3 for the retries. */
  attempt: number;
  status: number | null;
  error?: string;
}

export class WebhookSender {
  private key: Promise<SigningKey> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly retryTimers = new Set<ReturnType<typeof setTimeout>>();
  /** The last delivery attempts (newest last), for debugging and tests. */
  readonly deliveries: WebhookDelivery[] = [];

  constructor(
    private readonly clock: () => Date,
    private readonly fetchImpl: typeof fetch = fetch,
    private readonly retryDelayMs: number = WEBHOOK_RETRY_DELAY_MS,
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

  /** Signs and POSTs `payload` to `url` in the background (retried as Plaid retries). */
  send(url: string, payload: Record<string, unknown>): void {
    this.attempt(url, payload, 1);
  }

  /**
   * Resolves once every attempt started so far has been answered or has
   * failed. Retries still scheduled are not waited for (they come minutes
   * later); `pendingRetries` counts them.
   */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Retries scheduled and not yet started. */
  get pendingRetries(): number {
    return this.retryTimers.size;
  }

  /** Cancels the scheduled retries (an emulator being shut down). */
  cancelRetries(): void {
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
  }

  private attempt(url: string, payload: Record<string, unknown>, attempt: number): void {
    const delivery = this.deliver(url, payload, attempt)
      .then((ok) => {
        if (ok || attempt > WEBHOOK_RETRIES) return;
        const timer = setTimeout(() => {
          this.retryTimers.delete(timer);
          this.attempt(url, payload, attempt + 1);
        }, this.retryDelayMs);
        // A retry never keeps a process alive on its own.
        (timer as { unref?: () => void }).unref?.();
        this.retryTimers.add(timer);
      })
      .finally(() => this.inFlight.delete(delivery));
    this.inFlight.add(delivery);
  }

  /** One attempt; true when the receiver answered 200. */
  private async deliver(url: string, payload: Record<string, unknown>, attempt: number): Promise<boolean> {
    const record: WebhookDelivery = { url, body: payload, attempt, status: null };
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
      return response.status === 200;
    } catch (err) {
      record.error = err instanceof Error ? err.name : 'error';
      return false;
    }
  }
}
