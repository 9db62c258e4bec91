import { and, eq, isNull } from 'drizzle-orm';
import type { GatewayConfig } from '../config';
import type { Database } from '../db/database';
import { partners, processorTokens } from '../db/schema';
import { publicId } from '../lib/ids';
import { errors } from '../plaid/errors';
import type { Product } from '../plaid/schemas';
import type { Keyring } from './crypto';
import { invalidReference } from './errors';
import type { PlaidUpstream } from '../upstream/client';
import { setDestination } from '../webhooks/destinations';
import { uniqueList } from './schemas';
import {
  hashGatewayToken,
  lookupGatewayToken,
  looksLikePlaidProcessorToken,
  newGatewayToken,
  sealContext,
} from './tokens';

/**
 * The token vault: what a fintech does with processor tokens (import, permission
 * set, revoke; webhooks are in src/webhooks/). Shared by the fintech API and tests/demos.
 *
 * - Import seals the raw Plaid token under the keyring's current key, bound to
 *   the new row's id, and answers a fresh gateway token (256 random bits, never
 *   derived from the raw one; only its hash is stored). Importing the same raw
 *   token again mints another, independent gateway token: the raw token is
 *   sealed with a random IV, so the gateway cannot (and does not try to)
 *   recognise it, and each hand-over has its own permission set and revocation.
 * - A fintech sees only the tokens it imported: another fintech's token, an
 *   unknown token and a malformed one all answer INVALID_PROCESSOR_TOKEN.
 * - A revoked token is dead for every operation except revoke itself, which is
 *   idempotent for the fintech that owns the token (a retried revoke succeeds).
 * - Permission-set changes are kept in the gateway and enforced by it; they are
 *   not forwarded to Plaid.
 */

export interface ImportTokenInput {
  fintechId: string;
  rawToken: string;
  partnerId: string;
  products?: Product[];
  webhook?: string | null;
}

export interface ImportedToken {
  tokenId: string;
  partnerId: string;
  fintechId: string;
  /** The gateway token: returned once, stored only as a hash. */
  gatewayToken: string;
  products: string[];
  /** With a webhook at import: the destination's signing secret, returned once. */
  webhookSecret?: string;
}

export interface OwnedToken {
  tokenId: string;
  partnerId: string;
  fintechId: string;
  products: string[];
  revoked: boolean;
}

/**
 * Whether a raw token's environment suits where the gateway sends it: only
 * production tokens to Plaid production, only sandbox tokens to the sandbox or
 * the emulator (Plaid binds tokens to the environment that made them).
 */
export function rawTokenEnvironmentOk(config: Pick<GatewayConfig, 'plaidEnv'> | undefined, rawToken: string): boolean {
  const env = rawToken.split('-')[1];
  if (!config) return true;
  if (config.plaidEnv === 'production') return env === 'production';
  return env === 'sandbox';
}

/**
 * Imports a raw token. With a webhook, the fintech's destination is set (and
 * registered with Plaid) too; if that fails, the import is undone (the gateway
 * token was never handed out) and the error answered.
 */
export async function importToken(
  deps: { db: Database; keyring: Keyring; config?: GatewayConfig; clock?: () => Date; upstream?: PlaidUpstream },
  input: ImportTokenInput,
): Promise<ImportedToken> {
  if (!looksLikePlaidProcessorToken(input.rawToken) || !rawTokenEnvironmentOk(deps.config, input.rawToken)) {
    throw errors.invalidProcessorToken();
  }
  const [partner] = await deps.db
    .select({ id: partners.id, disabled: partners.disabled })
    .from(partners)
    .where(eq(partners.id, input.partnerId))
    .limit(1);
  if (!partner || partner.disabled) throw invalidReference('partner_id', 'an enabled partner');

  const tokenId = publicId('tok');
  const gatewayToken = newGatewayToken();
  const sealed = await deps.keyring.seal(input.rawToken, sealContext.rawToken(tokenId));
  const products = uniqueList(input.products ?? []);
  const at = deps.clock ? deps.clock() : new Date();
  await deps.db.insert(processorTokens).values({
    id: tokenId,
    tokenHash: await hashGatewayToken(gatewayToken),
    fintechId: input.fintechId,
    partnerId: partner.id,
    rawSealed: sealed.value,
    rawKeyId: sealed.keyId,
    products,
    createdAt: at,
    updatedAt: at,
  });
  const imported: ImportedToken = { tokenId, partnerId: partner.id, fintechId: input.fintechId, gatewayToken, products };
  if (!input.webhook) return imported;
  if (!deps.config || !deps.upstream) throw new Error('importToken: a webhook needs the config and the upstream');
  try {
    const change = await setDestination(
      { db: deps.db, keyring: deps.keyring, config: deps.config, upstream: deps.upstream },
      { tokenId, partnerId: partner.id, fintechId: input.fintechId, products },
      { party: 'fintech', partyId: input.fintechId },
      input.webhook,
    );
    if (change.change === 'created') imported.webhookSecret = change.secret;
  } catch (err) {
    await deps.db.delete(processorTokens).where(eq(processorTokens.id, tokenId));
    throw err;
  }
  return imported;
}

/** Resolves a gateway token the fintech owns, or INVALID_PROCESSOR_TOKEN (same answer for every miss). */
export async function findOwnedToken(
  db: Database,
  fintechId: string,
  gatewayToken: string,
  options: { allowRevoked?: boolean } = {},
): Promise<OwnedToken> {
  const row = await lookupGatewayToken(db, gatewayToken);
  if (!row || row.fintechId !== fintechId) throw errors.invalidProcessorToken();
  if (row.revokedAt && !options.allowRevoked) throw errors.invalidProcessorToken();
  return {
    tokenId: row.tokenId,
    partnerId: row.partnerId,
    fintechId: row.fintechId,
    products: row.products,
    revoked: row.revokedAt !== null,
  };
}

/**
 * Replaces the permission set (Plaid semantics: [] means every product). The
 * update is conditional on the token still being live, so a concurrent revoke wins.
 */
export async function setTokenPermissions(
  deps: { db: Database; clock?: () => Date },
  fintechId: string,
  gatewayToken: string,
  products: readonly Product[],
): Promise<OwnedToken> {
  const token = await findOwnedToken(deps.db, fintechId, gatewayToken);
  const next = uniqueList(products);
  await updateLive(deps, token.tokenId, { products: next });
  return { ...token, products: next };
}

export async function getTokenPermissions(db: Database, fintechId: string, gatewayToken: string): Promise<OwnedToken> {
  return findOwnedToken(db, fintechId, gatewayToken);
}

/** Revokes the token: every later partner call answers INVALID_PROCESSOR_TOKEN. Idempotent for the owner. */
export async function revokeToken(
  deps: { db: Database; clock?: () => Date },
  fintechId: string,
  gatewayToken: string,
): Promise<OwnedToken & { alreadyRevoked: boolean }> {
  const token = await findOwnedToken(deps.db, fintechId, gatewayToken, { allowRevoked: true });
  if (token.revoked) return { ...token, alreadyRevoked: true };
  const at = deps.clock ? deps.clock() : new Date();
  await deps.db
    .update(processorTokens)
    .set({ revokedAt: at, updatedAt: at })
    .where(and(eq(processorTokens.id, token.tokenId), isNull(processorTokens.revokedAt)));
  return { ...token, revoked: true, alreadyRevoked: false };
}

async function updateLive(
  deps: { db: Database; clock?: () => Date },
  tokenId: string,
  values: Partial<typeof processorTokens.$inferInsert>,
): Promise<void> {
  const rows = await deps.db
    .update(processorTokens)
    .set({ ...values, updatedAt: deps.clock ? deps.clock() : new Date() })
    .where(and(eq(processorTokens.id, tokenId), isNull(processorTokens.revokedAt)))
    .returning({ id: processorTokens.id });
  if (rows.length === 0) throw errors.invalidProcessorToken();
}
