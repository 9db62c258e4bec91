import { and, eq } from 'drizzle-orm';
import type { AppDeps } from '../context';
import { processorTokens, webhookDestinations } from '../db/schema';
import { upstreamMaterial, type PartyKind } from './destinations';
import { enqueueDeliveries, type NewDelivery } from './queue';
import { verifyPlaidWebhook, type VerificationFailure } from './verification';

/**
 * A webhook from Plaid about one token (POST /webhooks/plaid/<token id>):
 * verified with the token's partner's Plaid keys, then queued for each
 * destination that should receive it.
 *
 * Routing:
 * - WEBHOOK_UPDATE_ACKNOWLEDGED goes only to the destinations whose URL was
 *   just set (and `new_webhook_url` is that destination's URL, the one its
 *   owner set);
 * - every other webhook goes to both parties' destinations, except that the
 *   partner receives product webhooks (TRANSACTIONS, AUTH, IDENTITY) only for
 *   products in the token's permission set;
 * - a revoked token's webhooks are verified and recorded, and delivered to no one.
 *
 * Bodies are Plaid's bytes, unchanged for the fintech (which knows Plaid's
 * item_id). The partner never learns Plaid's item_id, so in its copy `item_id`
 * is the gateway's token id (the same id as the Gateway-Token-Id header).
 */

export type InboundRefusal = VerificationFailure | 'token_unknown' | 'body_invalid';

export type InboundResult =
  | { ok: false; reason: InboundRefusal; partnerId?: string; fintechId?: string }
  | {
      ok: true;
      partnerId: string;
      fintechId: string;
      webhookType: string;
      webhookCode: string;
      queued: number;
      revoked: boolean;
    };

const PRODUCT_OF_TYPE: Record<string, string> = { TRANSACTIONS: 'transactions', AUTH: 'auth', IDENTITY: 'identity' };
const CODE = /^[A-Z0-9_]{1,64}$/;

export async function receivePlaidWebhook(
  deps: Pick<AppDeps, 'db' | 'keyring' | 'clock' | 'webhooks'>,
  tokenId: string,
  rawBody: Uint8Array,
  signature: string | undefined,
): Promise<InboundResult> {
  const [token] = await deps.db
    .select({
      partnerId: processorTokens.partnerId,
      fintechId: processorTokens.fintechId,
      products: processorTokens.products,
      revokedAt: processorTokens.revokedAt,
    })
    .from(processorTokens)
    .where(eq(processorTokens.id, tokenId))
    .limit(1);
  const material = token ? await upstreamMaterial(deps, tokenId) : undefined;
  if (!token || !material) return { ok: false, reason: 'token_unknown' };
  const ids = { partnerId: token.partnerId, fintechId: token.fintechId };

  const verified = await verifyPlaidWebhook({
    header: signature,
    rawBody,
    keys: deps.webhooks.keys,
    credentials: { clientId: material.plaidClientId, secret: material.plaidSecret },
    now: deps.clock().getTime(),
  });
  if (!verified.ok) return { ok: false, reason: verified.reason, ...ids };

  const text = new TextDecoder().decode(rawBody);
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'body_invalid', ...ids };
  }
  const type = body?.webhook_type;
  const code = body?.webhook_code;
  if (typeof body !== 'object' || body === null || typeof type !== 'string' || typeof code !== 'string' || !CODE.test(type) || !CODE.test(code)) {
    return { ok: false, reason: 'body_invalid', ...ids };
  }
  if (token.revokedAt) return { ok: true, ...ids, webhookType: type, webhookCode: code, queued: 0, revoked: true };

  const isAck = type === 'ITEM' && code === 'WEBHOOK_UPDATE_ACKNOWLEDGED';
  const destinations = isAck
    ? // Claimed atomically: one acknowledgement per (re)set URL, however many arrive.
      await deps.db
        .update(webhookDestinations)
        .set({ ackPending: false })
        .where(and(eq(webhookDestinations.tokenId, tokenId), eq(webhookDestinations.ackPending, true)))
        .returning()
    : await deps.db.select().from(webhookDestinations).where(eq(webhookDestinations.tokenId, tokenId));

  const product = PRODUCT_OF_TYPE[type];
  const deliveries: NewDelivery[] = destinations
    .filter((d) => d.party !== 'partner' || !product || token.products.length === 0 || token.products.includes(product))
    .map((d) => ({
      destinationId: d.id,
      tokenId,
      party: d.party as PartyKind,
      partyId: d.partyId,
      webhookType: type,
      webhookCode: code,
      body: bodyFor(d.party as PartyKind, text, body, { tokenId, destinationUrl: d.url, isAck }),
    }));
  await enqueueDeliveries(deps.db, deliveries);
  if (deliveries.length > 0) deps.webhooks.notify();
  return { ok: true, ...ids, webhookType: type, webhookCode: code, queued: deliveries.length, revoked: false };
}

/** The body a destination receives (see the module comment). */
function bodyFor(
  party: PartyKind,
  raw: string,
  parsed: Record<string, unknown>,
  context: { tokenId: string; destinationUrl: string; isAck: boolean },
): string {
  if (party === 'fintech' && !context.isAck) return raw;
  const copy: Record<string, unknown> = { ...parsed };
  if (party === 'partner' && 'item_id' in copy) copy.item_id = context.tokenId;
  if (context.isAck) copy.new_webhook_url = context.destinationUrl;
  // Plaid's own formatting (two-space indentation).
  return JSON.stringify(copy, null, 2);
}
