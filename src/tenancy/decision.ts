import { eq } from 'drizzle-orm';
import type { Database } from '../db/database';
import { PRODUCT_ALIASES, type Product } from '../plaid/schemas';
import { partners, processorTokens, type RateLimitConfig } from '../db/schema';
import type { Keyring, Sealed } from './crypto';
import { hashGatewayToken, looksLikeGatewayToken, sealContext } from './tokens';

/**
 * The one place that decides whether a partner may use a gateway token for a
 * product. Every partner call goes through decidePartnerCall(); the reason of
 * each denial goes into the audit record, while the partner sees only
 * INVALID_PROCESSOR_TOKEN (unknown / other partner's / revoked all look alike).
 */
export type DenialReason =
  | 'token_malformed'
  | 'token_unknown'
  | 'token_other_partner'
  | 'token_revoked'
  | 'partner_disabled'
  | 'product_not_in_token_permissions'
  | 'product_not_in_partner_cap';

export interface TokenFacts {
  tokenId: string;
  fintechId: string;
  partnerId: string;
  revoked: boolean;
  /** Token permission set; empty = every product. */
  tokenProducts: string[];
  partnerProducts: string[];
  partnerDisabled: boolean;
  /** The partner's rate-limit overrides (read with the token: no second query). */
  partnerRateLimits: RateLimitConfig;
  /** Sealed upstream material, opened only when the call is allowed. */
  sealed: {
    rawToken: Sealed;
    plaidClientId: string;
    plaidSecret: Sealed;
  };
}

export type Decision =
  | { allowed: true; facts: TokenFacts }
  | { allowed: false; reason: DenialReason; facts?: TokenFacts };

/** Whether `set` lists the product or one of its aliases (identity_match grants identity). */
function listed(set: readonly string[], product: string): boolean {
  const aliases = PRODUCT_ALIASES[product as Product] ?? [];
  return set.includes(product) || aliases.some((alias) => set.includes(alias));
}

/** Pure decision over the facts; unit-tested exhaustively. */
export function decide(partnerId: string, product: string, facts: TokenFacts | undefined): Decision {
  if (!facts) return { allowed: false, reason: 'token_unknown' };
  if (facts.partnerId !== partnerId) return { allowed: false, reason: 'token_other_partner' };
  if (facts.revoked) return { allowed: false, reason: 'token_revoked', facts };
  if (facts.partnerDisabled) return { allowed: false, reason: 'partner_disabled', facts };
  if (facts.tokenProducts.length > 0 && !listed(facts.tokenProducts, product)) {
    return { allowed: false, reason: 'product_not_in_token_permissions', facts };
  }
  // The partner cap is an explicit list: unlike a token's set, empty means nothing.
  if (!listed(facts.partnerProducts, product)) {
    return { allowed: false, reason: 'product_not_in_partner_cap', facts };
  }
  return { allowed: true, facts };
}

/** Loads the facts for a presented gateway token (one indexed query). */
export async function loadTokenFacts(db: Database, gatewayToken: string): Promise<TokenFacts | undefined> {
  if (!looksLikeGatewayToken(gatewayToken)) return undefined;
  const [row] = await db
    .select({
      tokenId: processorTokens.id,
      fintechId: processorTokens.fintechId,
      partnerId: processorTokens.partnerId,
      revokedAt: processorTokens.revokedAt,
      tokenProducts: processorTokens.products,
      partnerProducts: partners.products,
      partnerDisabled: partners.disabled,
      partnerRateLimits: partners.rateLimits,
      rawSealed: processorTokens.rawSealed,
      rawKeyId: processorTokens.rawKeyId,
      plaidClientId: partners.plaidClientId,
      plaidSecretSealed: partners.plaidSecretSealed,
      plaidSecretKeyId: partners.plaidSecretKeyId,
    })
    .from(processorTokens)
    .innerJoin(partners, eq(partners.id, processorTokens.partnerId))
    .where(eq(processorTokens.tokenHash, await hashGatewayToken(gatewayToken)))
    .limit(1);
  if (!row) return undefined;
  return {
    tokenId: row.tokenId,
    fintechId: row.fintechId,
    partnerId: row.partnerId,
    revoked: row.revokedAt !== null,
    tokenProducts: row.tokenProducts,
    partnerProducts: row.partnerProducts,
    partnerDisabled: row.partnerDisabled,
    partnerRateLimits: row.partnerRateLimits,
    sealed: {
      rawToken: { keyId: row.rawKeyId, value: row.rawSealed },
      plaidClientId: row.plaidClientId,
      plaidSecret: { keyId: row.plaidSecretKeyId, value: row.plaidSecretSealed },
    },
  };
}

export async function decidePartnerCall(
  db: Database,
  input: { partnerId: string; gatewayToken: string; product: string },
): Promise<Decision> {
  if (!looksLikeGatewayToken(input.gatewayToken)) return { allowed: false, reason: 'token_malformed' };
  return decide(input.partnerId, input.product, await loadTokenFacts(db, input.gatewayToken));
}

/** What an allowed call needs upstream: the raw token and the partner's Plaid keys, unsealed for this call only. */
export async function unsealForCall(
  keyring: Keyring,
  facts: TokenFacts,
): Promise<{ rawToken: string; plaidClientId: string; plaidSecret: string }> {
  const [rawToken, plaidSecret] = await Promise.all([
    keyring.open(facts.sealed.rawToken, sealContext.rawToken(facts.tokenId)),
    keyring.open(facts.sealed.plaidSecret, sealContext.plaidSecret(facts.partnerId)),
  ]);
  return { rawToken, plaidClientId: facts.sealed.plaidClientId, plaidSecret };
}
