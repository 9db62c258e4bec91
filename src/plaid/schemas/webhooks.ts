import { z } from '@hono/zod-openapi';
import { plaidErrorSchema, plaidRequest, requestIdSchema } from './common';

/** /webhook_verification_key/get and the webhook bodies the emulator sends. */

export const webhookVerificationKeyGetRequestSchema = plaidRequest({
  key_id: z.string().openapi({ description: 'The `kid` from the Plaid-Verification JWT header.' }),
}).openapi('WebhookVerificationKeyGetRequest');

export const jwkPublicKeySchema = z
  .looseObject({
    alg: z.string(),
    crv: z.string(),
    kid: z.string(),
    kty: z.string(),
    use: z.string(),
    x: z.string(),
    y: z.string(),
    created_at: z.number().int(),
    expired_at: z.number().int().nullable(),
  })
  .openapi('JWKPublicKey');

export type JwkPublicKey = z.infer<typeof jwkPublicKeySchema>;

export const webhookVerificationKeyGetResponseSchema = z
  .looseObject({ key: jwkPublicKeySchema, request_id: requestIdSchema })
  .openapi('WebhookVerificationKeyGetResponse');

export const webhookEnvironmentSchema = z.enum(['sandbox', 'production']);

export const syncUpdatesAvailableWebhookSchema = z
  .looseObject({
    webhook_type: z.literal('TRANSACTIONS'),
    webhook_code: z.literal('SYNC_UPDATES_AVAILABLE'),
    item_id: z.string(),
    initial_update_complete: z.boolean(),
    historical_update_complete: z.boolean(),
    environment: webhookEnvironmentSchema,
  })
  .openapi('SyncUpdatesAvailableWebhook');

export const webhookUpdateAcknowledgedWebhookSchema = z
  .looseObject({
    webhook_type: z.literal('ITEM'),
    webhook_code: z.literal('WEBHOOK_UPDATE_ACKNOWLEDGED'),
    item_id: z.string(),
    new_webhook_url: z.string(),
    error: plaidErrorSchema.nullable(),
    environment: webhookEnvironmentSchema,
  })
  .openapi('WebhookUpdateAcknowledgedWebhook');
