import { and, eq } from 'drizzle-orm';
import type { AppDeps } from '../context';
import type { Database } from '../db/database';
import { partners, processorTokens, webhookDestinations } from '../db/schema';
import { publicId, randomSecret } from '../lib/ids';
import { PlaidError, errors } from '../plaid/errors';
import { unsealForCall } from '../tenancy/admission';
import type { Keyring } from '../tenancy/crypto';
import { lookupGatewayToken, sealContext } from '../tenancy/tokens';
import { checkDestinationUrl } from './url-safety';

/**
 * Webhook destinations: where a token's webhooks go, one per party.
 *
 * The fintech that imported a token and the partner it was issued to may each
 * set a URL with /processor/token/webhook/update. The gateway registers its
 * own receiving URL for the token with Plaid (GATEWAY_PUBLIC_URL +
 * /webhooks/plaid/<token id>), verifies what Plaid sends there and delivers it
 * to each destination, signed with the destination's own secret.
 *
 * Plaid's semantics are kept per party: a URL set (or set again) gets the
 * WEBHOOK_UPDATE_ACKNOWLEDGED that Plaid sends after the registration; `null`
 * removes that party's destination (queued deliveries to it are cancelled).
 */

export type PartyKind = 'fintech' | 'partner';
export interface Party {
  party: PartyKind;
  partyId: string;
}

export interface TokenRef {
  tokenId: string;
  partnerId: string;
  fintechId: string;
  /** The token's permission set ([] = every product). */
  products: string[];
}

/** Previous secrets keep signing for this long after a rotation. */
export const PREVIOUS_SECRET_TTL_MS = 24 * 60 * 60 * 1000;

const secretContext = sealContext.webhookSecret;

/**
 * The live token behind a gateway token, if the party may manage its webhooks
 * (the fintech that imported it, the partner it was issued to). Every miss
 * answers the same INVALID_PROCESSOR_TOKEN.
 */
export async function findTokenForParty(db: Database, party: Party, gatewayToken: string): Promise<TokenRef> {
  const row = await lookupGatewayToken(db, gatewayToken);
  const owner = party.party === 'fintech' ? row?.fintechId : row?.partnerId;
  if (!row || row.revokedAt || owner !== party.partyId) throw errors.invalidProcessorToken();
  return { tokenId: row.tokenId, partnerId: row.partnerId, fintechId: row.fintechId, products: row.products };
}

/** The URL Plaid is told to send this token's webhooks to. */
export function gatewayWebhookUrl(publicUrl: string, tokenId: string): string {
  return `${publicUrl}/webhooks/plaid/${tokenId}`;
}

export type DestinationChange =
  | { change: 'created'; destinationId: string; secret: string }
  | { change: 'updated'; destinationId: string }
  | { change: 'removed' | 'absent' };

type Deps = Pick<AppDeps, 'db' | 'keyring' | 'upstream' | 'config'>;

/**
 * Sets (or, with null, removes) the party's destination for the token. Setting
 * registers the gateway's URL for the token with Plaid; if Plaid refuses, the
 * destination is put back as it was and Plaid's error is thrown.
 */
export async function setDestination(deps: Deps, token: TokenRef, party: Party, url: string | null): Promise<DestinationChange> {
  const where = and(eq(webhookDestinations.tokenId, token.tokenId), eq(webhookDestinations.party, party.party));
  if (url === null) {
    const removed = await deps.db.delete(webhookDestinations).where(where).returning({ id: webhookDestinations.id });
    return { change: removed.length > 0 ? 'removed' : 'absent' };
  }
  const checked = checkDestinationUrl(url, { allowLoopback: deps.config.webhooks.allowLoopback });
  if (!checked.ok) throw unsafeWebhook(checked.reason);

  const [previous] = await deps.db.select().from(webhookDestinations).where(where).limit(1);
  let result: DestinationChange;
  if (previous) {
    await deps.db
      .update(webhookDestinations)
      .set({ url: checked.url.href, ackPending: true, updatedAt: new Date() })
      .where(eq(webhookDestinations.id, previous.id));
    result = { change: 'updated', destinationId: previous.id };
  } else {
    const destinationId = publicId('whd');
    const secret = `whsec_${randomSecret(32)}`;
    const sealed = await deps.keyring.seal(secret, secretContext(destinationId));
    await deps.db.insert(webhookDestinations).values({
      id: destinationId,
      tokenId: token.tokenId,
      party: party.party,
      partyId: party.partyId,
      url: checked.url.href,
      secretSealed: sealed.value,
      secretKeyId: sealed.keyId,
      ackPending: true,
    });
    result = { change: 'created', destinationId, secret };
  }

  try {
    await registerUpstream(deps, token);
  } catch (err) {
    if (previous) {
      await deps.db
        .update(webhookDestinations)
        .set({ url: previous.url, ackPending: previous.ackPending, updatedAt: new Date() })
        .where(eq(webhookDestinations.id, previous.id));
    } else {
      await deps.db.delete(webhookDestinations).where(eq(webhookDestinations.id, result.destinationId));
    }
    throw err;
  }
  return result;
}

/** Replaces the destination's signing secret; the previous one keeps signing for a day. */
export async function rotateDestinationSecret(
  deps: Pick<AppDeps, 'db' | 'keyring' | 'clock'>,
  token: TokenRef,
  party: Party,
): Promise<{ destinationId: string; secret: string; previousExpiresAt: Date }> {
  const [destination] = await deps.db
    .select()
    .from(webhookDestinations)
    .where(and(eq(webhookDestinations.tokenId, token.tokenId), eq(webhookDestinations.party, party.party)))
    .limit(1);
  if (!destination) throw errors.invalidField('no webhook is set for this processor_token; set one with /processor/token/webhook/update');
  const secret = `whsec_${randomSecret(32)}`;
  const sealed = await deps.keyring.seal(secret, secretContext(destination.id));
  const previousExpiresAt = new Date(deps.clock().getTime() + PREVIOUS_SECRET_TTL_MS);
  await deps.db
    .update(webhookDestinations)
    .set({
      secretSealed: sealed.value,
      secretKeyId: sealed.keyId,
      previousSecretSealed: destination.secretSealed,
      previousSecretKeyId: destination.secretKeyId,
      previousSecretExpiresAt: previousExpiresAt,
      updatedAt: new Date(),
    })
    .where(eq(webhookDestinations.id, destination.id));
  return { destinationId: destination.id, secret, previousExpiresAt };
}

/** The secrets a delivery to this destination is signed with: the current one, and the previous one until it expires. */
export async function signingSecrets(
  keyring: Keyring,
  destination: typeof webhookDestinations.$inferSelect,
  now: Date,
): Promise<string[]> {
  const context = secretContext(destination.id);
  const secrets = [await keyring.open({ keyId: destination.secretKeyId, value: destination.secretSealed }, context)];
  if (
    destination.previousSecretSealed &&
    destination.previousSecretKeyId &&
    destination.previousSecretExpiresAt &&
    destination.previousSecretExpiresAt > now
  ) {
    secrets.push(await keyring.open({ keyId: destination.previousSecretKeyId, value: destination.previousSecretSealed }, context));
  }
  return secrets;
}

/** The raw Plaid token and the partner's Plaid keys, for calls the gateway makes about a token. */
export async function upstreamMaterial(deps: Pick<AppDeps, 'db' | 'keyring'>, tokenId: string) {
  const [row] = await deps.db
    .select({
      tokenId: processorTokens.id,
      partnerId: processorTokens.partnerId,
      rawSealed: processorTokens.rawSealed,
      rawKeyId: processorTokens.rawKeyId,
      plaidClientId: partners.plaidClientId,
      plaidSecretSealed: partners.plaidSecretSealed,
      plaidSecretKeyId: partners.plaidSecretKeyId,
    })
    .from(processorTokens)
    .innerJoin(partners, eq(partners.id, processorTokens.partnerId))
    .where(eq(processorTokens.id, tokenId))
    .limit(1);
  if (!row) return undefined;
  return unsealForCall(deps.keyring, {
    tokenId: row.tokenId,
    partnerId: row.partnerId,
    sealed: {
      rawToken: { keyId: row.rawKeyId, value: row.rawSealed },
      plaidClientId: row.plaidClientId,
      plaidSecret: { keyId: row.plaidSecretKeyId, value: row.plaidSecretSealed },
    },
  });
}

/** Tells Plaid to send the token's webhooks to the gateway. Throws Plaid's error if it refuses. */
async function registerUpstream(deps: Deps, token: TokenRef): Promise<void> {
  if (!deps.config.publicUrl) throw errors.internal('GATEWAY_PUBLIC_URL is not set; webhooks cannot be registered');
  const material = await upstreamMaterial(deps, token.tokenId);
  if (!material) throw errors.invalidProcessorToken();
  const answer = await deps.upstream.call(
    '/processor/token/webhook/update',
    { processor_token: material.rawToken, webhook: gatewayWebhookUrl(deps.config.publicUrl, token.tokenId) },
    { clientId: material.plaidClientId, secret: material.plaidSecret },
    { idempotent: true },
  );
  if (answer.status === 200) return;
  const body = answer.body;
  if (body.error_code === 'INVALID_API_KEYS') {
    // The partner's Plaid keys, not the caller's: say so rather than echo Plaid's code.
    throw errors.internal("Plaid refused the partner's Plaid keys while registering the webhook; contact the gateway operator");
  }
  throw new PlaidError({
    type: String(body.error_type ?? 'API_ERROR'),
    code: String(body.error_code ?? 'INTERNAL_SERVER_ERROR'),
    message: typeof body.error_message === 'string' ? body.error_message : 'Plaid refused the webhook registration',
    status: answer.status,
    displayMessage: typeof body.display_message === 'string' ? body.display_message : null,
  });
}

const UNSAFE_MESSAGES: Record<string, string> = {
  not_a_url: 'webhook must be an absolute URL',
  scheme_not_allowed: 'webhook must be an https URL',
  credentials_in_url: 'webhook must not carry a user name or password',
  fragment_in_url: 'webhook must not carry a fragment',
  address_not_public: 'webhook must not point at a loopback, private, link-local or reserved address',
  host_not_allowed: 'webhook must name a public host',
};

function unsafeWebhook(reason: keyof typeof UNSAFE_MESSAGES): PlaidError {
  return new PlaidError({ type: 'INVALID_REQUEST', code: 'INVALID_FIELD', message: UNSAFE_MESSAGES[reason]! });
}
