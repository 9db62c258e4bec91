import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { auditedChange } from '../../audit/middleware';
import { requireFintechOrPartner } from '../../auth/credentials';
import type { AppEnv } from '../../context';
import { createRouter } from '../../lib/create-router';
import { jsonRequest, plaidResponses } from '../../lib/openapi';
import { readLimitedBytes } from '../../middleware/json-body';
import { errors } from '../../plaid/errors';
import {
  plaidErrorSchema,
  plaidRequest,
  processorTokenSchema,
  processorTokenWebhookUpdateRequestSchema,
  requestIdSchema,
  webhookVerificationKeyGetRequestSchema,
  webhookVerificationKeyGetResponseSchema,
} from '../../plaid/schemas';
import { PlaidError } from '../../plaid/errors';
import { publicVerificationKey } from '../../webhooks/gateway-keys';
import { findTokenForParty, rotateDestinationSecret, setDestination, type Party } from '../../webhooks/destinations';
import { receivePlaidWebhook, type InboundResult } from '../../webhooks/inbound';
import { listDeliveries, replayDelivery } from '../../webhooks/queue';

/**
 * Webhooks (docs/webhooks.md):
 *
 * - /processor/token/webhook/update: Plaid's endpoint, open to both parties of
 *   a token (the fintech that imported it, the partner it was issued to); each
 *   sets its own destination. A new destination's signing secret is answered once.
 * - /gateway/webhook/secret/rotate, /gateway/webhook/deliveries/list and
 *   /gateway/webhook/deliveries/replay: the party's signing secret, delivery
 *   log and replays, for its own destinations only.
 * - /webhooks/plaid/{token_id}: where Plaid sends the token's webhooks.
 */

const tags = ['Webhooks'];
const middleware = [requireFintechOrPartner()];

const ERRORS = 'INVALID_REQUEST codes, INVALID_API_KEYS, INVALID_PROCESSOR_TOKEN, INVALID_FIELD (unsafe webhook URL)';
const body = jsonRequest;
const ok = <T extends z.ZodType>(description: string, schema: T) => plaidResponses(description, schema, ERRORS);

const secretField = z.string().openapi({
  description: 'The destination\'s signing secret (`whsec_…`): answered once, keep it to verify the Gateway-Signature header.',
});
const tokenIdField = z.string().openapi({
  description: "The gateway's id for the token: the `item_id` of the partner's webhook bodies and the Gateway-Token-Id header.",
  example: 'tok_7k2m0x9q4c1v8b5n3z6a',
});

export const WebhookUpdateResponse = z
  .object({
    request_id: requestIdSchema,
    processor_token_id: tokenIdField,
    webhook_secret: secretField.optional(),
  })
  .openapi('GatewayProcessorTokenWebhookUpdateResponse');

const RotateRequest = plaidRequest({ processor_token: processorTokenSchema }).openapi('GatewayWebhookSecretRotateRequest');
const RotateResponse = z
  .object({
    webhook_secret: secretField,
    previous_secret_expires_at: z.string().openapi({ description: 'Until then, deliveries carry a signature with the previous secret too.' }),
    request_id: requestIdSchema,
  })
  .openapi('GatewayWebhookSecretRotateResponse');

const deliveryStatus = z.enum(['pending', 'delivered', 'failed', 'cancelled']);
const ListRequest = plaidRequest({
  processor_token: processorTokenSchema.optional().openapi({ description: 'Only this token\'s deliveries.' }),
  status: deliveryStatus.optional(),
  count: z.number().int().min(1).max(100).optional().openapi({ description: 'At most this many, newest first (default 25).' }),
}).openapi('GatewayWebhookDeliveriesListRequest');
const DeliverySchema = z
  .object({
    delivery_id: z.string(),
    processor_token_id: tokenIdField,
    webhook_type: z.string(),
    webhook_code: z.string(),
    status: deliveryStatus,
    attempts: z.number().int(),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    replay_of: z.string().nullable(),
    created_at: z.string(),
    next_attempt_at: z.string().nullable(),
    delivered_at: z.string().nullable(),
  })
  .openapi('GatewayWebhookDelivery');
const ListResponse = z
  .object({ deliveries: z.array(DeliverySchema), request_id: requestIdSchema })
  .openapi('GatewayWebhookDeliveriesListResponse');

const ReplayRequest = plaidRequest({
  delivery_id: z.string().min(1).max(64).openapi({ description: 'A delivery of one of your destinations.' }),
}).openapi('GatewayWebhookDeliveriesReplayRequest');
const ReplayResponse = z
  .object({ delivery_id: z.string().openapi({ description: 'The new delivery.' }), request_id: requestIdSchema })
  .openapi('GatewayWebhookDeliveriesReplayResponse');

const updateRoute = createRoute({
  method: 'post',
  path: '/processor/token/webhook/update',
  tags,
  middleware,
  summary: "Set or remove your webhook for a token",
  description:
    "As Plaid's endpoint, for the fintech that imported the token and for the partner it was issued to: each party has its own destination. `webhook: null` removes yours. A URL you set receives Plaid's WEBHOOK_UPDATE_ACKNOWLEDGED, then the token's webhooks, signed by the gateway. URLs must be https, without credentials, on a public address.",
  request: body(processorTokenWebhookUpdateRequestSchema),
  responses: ok('Saved (and registered with Plaid)', WebhookUpdateResponse),
});

const rotateRoute = createRoute({
  method: 'post',
  path: '/gateway/webhook/secret/rotate',
  tags,
  // The new secret is shown only if it and its audit record committed.
  middleware: [...middleware, auditedChange()],
  summary: 'Rotate your signing secret for a token',
  request: body(RotateRequest),
  responses: ok('The new secret', RotateResponse),
});

const listRoute = createRoute({
  method: 'post',
  path: '/gateway/webhook/deliveries/list',
  tags,
  middleware,
  summary: 'Your webhook deliveries (the delivery log)',
  request: body(ListRequest),
  responses: ok('Deliveries, newest first', ListResponse),
});

const replayRoute = createRoute({
  method: 'post',
  path: '/gateway/webhook/deliveries/replay',
  tags,
  middleware,
  summary: 'Deliver a webhook again',
  description: 'Queues a new delivery of the same body to your current URL (a failed one, or one you lost).',
  request: body(ReplayRequest),
  responses: ok('Queued', ReplayResponse),
});

const verificationKeyRoute = createRoute({
  method: 'post',
  path: '/webhook_verification_key/get',
  tags,
  middleware,
  summary: "The public key of the gateway's Plaid-Verification signature",
  description:
    "As Plaid's endpoint: the JWK for the `kid` in the header of a delivered webhook's Plaid-Verification JWT, so Plaid's documented verification works unchanged against the gateway.",
  request: body(webhookVerificationKeyGetRequestSchema),
  responses: ok('The key', webhookVerificationKeyGetResponseSchema),
});

const inboundRoute = createRoute({
  method: 'post',
  path: '/webhooks/plaid/{token_id}',
  tags,
  summary: 'Receives Plaid webhooks (for Plaid only)',
  description:
    'Verified with the Plaid-Verification JWT (ES256, key from /webhook_verification_key/get, iat at most 5 minutes old, body SHA-256); then queued for delivery. Anything else is refused and audited.',
  request: { params: z.object({ token_id: z.string() }) },
  responses: {
    200: { description: 'Accepted', content: { 'application/json': { schema: z.object({ request_id: requestIdSchema }) } } },
    401: { description: 'Not verified', content: { 'application/json': { schema: plaidErrorSchema } } },
  },
});

/** The authenticated party (fintech or partner). */
function partyOf(c: Pick<Context<AppEnv>, 'get'>): Party {
  const principal = c.get('principal');
  if (principal?.kind === 'fintech' || principal?.kind === 'partner') return { party: principal.kind, partyId: principal.id };
  throw new Error('client principal missing');
}

/** Opens the audit record of `action` on the caller's token and answers the party and the token. */
async function callerToken(c: Context<AppEnv>, action: string, processorToken: string) {
  const party = partyOf(c);
  const audit = c.get('audit');
  audit.action = action;
  const token = await findTokenForParty(c.get('deps').db, party, processorToken);
  Object.assign(audit, { tokenId: token.tokenId, partnerId: token.partnerId, fintechId: token.fintechId });
  return { party, token, audit };
}

const TOKEN_ID = /^tok_[A-Za-z0-9_-]{1,60}$/;
const KEY_ID = /^[A-Za-z0-9-]{1,64}$/;

const unknownKeyId = () =>
  new PlaidError({
    type: 'INVALID_INPUT',
    code: 'INVALID_WEBHOOK_VERIFICATION_KEY_ID',
    message: 'invalid key_id provided. note that key_ids are specific to the gateway that sent the webhook',
  });

export const webhookRoutes = createRouter()
  .openapi(updateRoute, async (c) => {
    const input = c.req.valid('json');
    const { party, token, audit } = await callerToken(c, 'token.webhook_update', input.processor_token);
    const change = await setDestination(c.get('deps'), token, party, input.webhook);
    audit.details = { party: party.party, webhook: change.change };
    return c.json(
      {
        request_id: c.get('requestId'),
        processor_token_id: token.tokenId,
        ...(change.change === 'created' ? { webhook_secret: change.secret } : {}),
      },
      200,
    );
  })
  .openapi(rotateRoute, async (c) => {
    const input = c.req.valid('json');
    const { party, token, audit } = await callerToken(c, 'webhook.secret_rotate', input.processor_token);
    const rotated = await rotateDestinationSecret(c.get('deps'), token, party);
    audit.details = { party: party.party, destination_id: rotated.destinationId };
    return c.json(
      {
        webhook_secret: rotated.secret,
        previous_secret_expires_at: rotated.previousExpiresAt.toISOString(),
        request_id: c.get('requestId'),
      },
      200,
    );
  })
  .openapi(listRoute, async (c) => {
    const input = c.req.valid('json');
    const deps = c.get('deps');
    const party = partyOf(c);
    c.get('audit').action = 'webhook.deliveries_list';
    const token = input.processor_token ? await findTokenForParty(deps.db, party, input.processor_token) : undefined;
    const deliveries = await listDeliveries(deps.db, party, {
      tokenId: token?.tokenId,
      status: input.status,
      count: input.count ?? 25,
    });
    return c.json({ deliveries, request_id: c.get('requestId') }, 200);
  })
  .openapi(replayRoute, async (c) => {
    const input = c.req.valid('json');
    const deps = c.get('deps');
    const party = partyOf(c);
    const audit = c.get('audit');
    audit.action = 'webhook.replay';
    const replayed = await replayDelivery(deps.db, party, input.delivery_id);
    if (!replayed) {
      throw errors.invalidField('delivery_id does not name one of your deliveries to a webhook that is still set');
    }
    audit.tokenId = replayed.tokenId;
    audit.details = { party: party.party, delivery_id: replayed.deliveryId, replay_of: input.delivery_id };
    deps.webhooks.notify();
    return c.json({ delivery_id: replayed.deliveryId, request_id: c.get('requestId') }, 200);
  })
  .openapi(verificationKeyRoute, async (c) => {
    const input = c.req.valid('json');
    c.get('audit').action = 'webhook.verification_key_get';
    const key = KEY_ID.test(input.key_id) ? await publicVerificationKey(c.get('deps').db, input.key_id) : undefined;
    if (!key) throw unknownKeyId();
    return c.json({ key, request_id: c.get('requestId') }, 200);
  })
  .openapi(inboundRoute, async (c) => {
    const deps = c.get('deps');
    const audit = c.get('audit');
    Object.assign(audit, { enabled: true, action: 'webhook.inbound', actorType: 'plaid', actorId: null });
    const tokenId = c.req.param('token_id');
    const raw = await readLimitedBytes(c.req.raw, deps.config.maxBodyBytes, deps.config.maxInflightBodyBytes);
    if (raw === null) throw errors.bodyTooLarge(deps.config.maxBodyBytes);
    const result: InboundResult = TOKEN_ID.test(tokenId)
      ? await receivePlaidWebhook(deps, tokenId, raw, c.req.header('plaid-verification'))
      : { ok: false, reason: 'token_unknown' };
    if (!result.ok) {
      Object.assign(audit, { decision: 'deny', reason: `webhook_${result.reason}` });
      if (result.partnerId) Object.assign(audit, { tokenId, partnerId: result.partnerId, fintechId: result.fintechId });
      // Plaid retries a webhook that was not answered 200: worth it only when our side failed.
      if (result.reason === 'key_unavailable') throw errors.internal('the webhook verification key could not be fetched; retry later');
      throw errors.webhookRefused();
    }
    Object.assign(audit, {
      tokenId,
      partnerId: result.partnerId,
      fintechId: result.fintechId,
      decision: 'allow',
      reason: result.revoked ? 'token_revoked' : null,
      details: { webhook_type: result.webhookType, webhook_code: result.webhookCode, deliveries_queued: result.queued },
    });
    return c.json({ request_id: c.get('requestId') }, 200);
  });
