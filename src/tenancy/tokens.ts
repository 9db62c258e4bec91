import { eq } from 'drizzle-orm';
import type { Database } from '../db/database';
import { processorTokens } from '../db/schema';
import { sha256Hex, base64url, randomBytes } from '../lib/ids';

/**
 * Gateway processor tokens: what a fintech hands to a partner in place of the
 * raw Plaid token. 256 random bits, never derived from the raw token; only
 * their SHA-256 is stored (processor_tokens.token_hash).
 */
export const GATEWAY_TOKEN_PREFIX = 'processor-gw-';

export function newGatewayToken(): string {
  return `${GATEWAY_TOKEN_PREFIX}${base64url(randomBytes(32))}`;
}

export function looksLikeGatewayToken(value: string): boolean {
  return /^processor-gw-[A-Za-z0-9_-]{43}$/.test(value);
}

export function hashGatewayToken(token: string): Promise<string> {
  return sha256Hex(`gw-token:v1:${token}`);
}

/** Plaid's processor token format: processor-<environment>-<identifier>. */
export function looksLikePlaidProcessorToken(value: string): boolean {
  return /^processor-(sandbox|development|production)-[A-Za-z0-9-]{8,128}$/.test(value);
}

/** Additional-data contexts for sealing (binds a sealed value to its row). */
export const sealContext = {
  rawToken: (tokenId: string) => `processor_tokens.raw:${tokenId}`,
  plaidSecret: (partnerId: string) => `partners.plaid_secret:${partnerId}`,
  /** A webhook destination's signing secret (current and previous alike). */
  webhookSecret: (destinationId: string) => `webhook_destinations.secret:${destinationId}`,
  /** The private half of the gateway's own webhook signing key. */
  webhookSigningKey: (kid: string) => `webhook_signing_keys.private:${kid}`,
};

/** The token behind a gateway token, revoked or not; undefined when malformed or unknown. */
export async function lookupGatewayToken(db: Database, gatewayToken: string) {
  if (!looksLikeGatewayToken(gatewayToken)) return undefined;
  const [row] = await db
    .select({
      tokenId: processorTokens.id,
      partnerId: processorTokens.partnerId,
      fintechId: processorTokens.fintechId,
      products: processorTokens.products,
      revokedAt: processorTokens.revokedAt,
    })
    .from(processorTokens)
    .where(eq(processorTokens.tokenHash, await hashGatewayToken(gatewayToken)))
    .limit(1);
  return row;
}
