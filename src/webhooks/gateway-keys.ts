import { desc, eq, isNull } from 'drizzle-orm';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import type { Database } from '../db/database';
import { webhookSigningKeys } from '../db/schema';
import { sha256Hex } from '../lib/ids';
import type { Keyring } from '../tenancy/crypto';
import { sealContext } from '../tenancy/tokens';

/**
 * The gateway's own `Plaid-Verification` signature on the webhooks it
 * delivers, made exactly as Plaid makes it (an ES256 JWT whose header names the
 * key and whose payload is {iat, request_body_sha256}), so a receiver that
 * already verifies Plaid's webhooks keeps its code and points its Plaid client
 * at the gateway: the key comes from the gateway's /webhook_verification_key/get.
 *
 * One current key is shared by every instance (created on first use, private
 * half sealed with the keyring); each process caches it.
 */

export interface PublicVerificationKey {
  alg: 'ES256';
  crv: string;
  kid: string;
  kty: string;
  use: 'sig';
  x: string;
  y: string;
  created_at: number;
  expired_at: number | null;
}

const keyContext = sealContext.webhookSigningKey;

export class GatewaySigningKeys {
  private current: Promise<{ kid: string; key: CryptoKey | Uint8Array }> | undefined;

  /** Signs `body` as Plaid signs a webhook: the value of the Plaid-Verification header. */
  async sign(deps: { db: Database; keyring: Keyring }, body: string, issuedAt: number): Promise<string> {
    const current = await this.load(deps);
    return new SignJWT({ request_body_sha256: await sha256Hex(body) })
      .setProtectedHeader({ alg: 'ES256', kid: current.kid, typ: 'JWT' })
      .setIssuedAt(issuedAt)
      .sign(current.key);
  }

  private load(deps: { db: Database; keyring: Keyring }) {
    this.current ??= currentKey(deps).catch((err) => {
      this.current = undefined;
      throw err;
    });
    return this.current;
  }
}

async function currentKey(deps: { db: Database; keyring: Keyring }) {
  const [row] = await deps.db
    .select()
    .from(webhookSigningKeys)
    .where(isNull(webhookSigningKeys.expiredAt))
    .orderBy(desc(webhookSigningKeys.createdAt))
    .limit(1);
  if (row) {
    const jwk = JSON.parse(await deps.keyring.open({ keyId: row.privateKeyId, value: row.privateSealed }, keyContext(row.kid)));
    return { kid: row.kid, key: await importJWK(jwk as JWK, 'ES256') };
  }
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = crypto.randomUUID();
  const { kty, crv, x, y } = await exportJWK(publicKey);
  const sealed = await deps.keyring.seal(JSON.stringify(await exportJWK(privateKey)), keyContext(kid));
  await deps.db.insert(webhookSigningKeys).values({
    kid,
    privateSealed: sealed.value,
    privateKeyId: sealed.keyId,
    publicJwk: { kty: kty!, crv: crv!, x: x!, y: y! },
  });
  return { kid, key: privateKey };
}

/** The public key for a kid, as /webhook_verification_key/get serves it; undefined when unknown. */
export async function publicVerificationKey(db: Database, kid: string): Promise<PublicVerificationKey | undefined> {
  const [row] = await db.select().from(webhookSigningKeys).where(eq(webhookSigningKeys.kid, kid)).limit(1);
  if (!row) return undefined;
  return {
    alg: 'ES256',
    crv: row.publicJwk.crv!,
    kid: row.kid,
    kty: row.publicJwk.kty!,
    use: 'sig',
    x: row.publicJwk.x!,
    y: row.publicJwk.y!,
    created_at: Math.floor(row.createdAt.getTime() / 1000),
    expired_at: row.expiredAt ? Math.floor(row.expiredAt.getTime() / 1000) : null,
  };
}
