import { PlaidError } from '../../plaid/errors';
import {
  processorTokenPermissionsGetRequestSchema,
  processorTokenPermissionsGetResponseSchema,
  processorTokenPermissionsSetRequestSchema,
  processorTokenPermissionsSetResponseSchema,
  processorTokenWebhookUpdateRequestSchema,
  processorTokenWebhookUpdateResponseSchema,
  webhookVerificationKeyGetRequestSchema,
  webhookVerificationKeyGetResponseSchema,
} from '../../plaid/schemas';
import { webhookUpdateAcknowledged } from '../item-webhooks';
import { createEmulatorRouter, plaidPost, type EmulatorContext } from '../router';

/**
 * Token management (/processor/token/permissions/get|set, /processor/token/webhook/update)
 * and /webhook_verification_key/get. These work whatever the Item's health.
 */
export function tokenRoutes(ctx: EmulatorContext) {
  const router = createEmulatorRouter();

  plaidPost(
    router,
    {
      path: '/processor/token/permissions/set',
      summary: "Set the token's permission set ([] = every product)",
      request: processorTokenPermissionsSetRequestSchema,
      response: processorTokenPermissionsSetResponseSchema,
    },
    (body, c) => {
      const item = ctx.state.itemFor(body.processor_token, c.get('client').clientId);
      item.permissions = [...new Set(body.products)];
      return {};
    },
  );

  plaidPost(
    router,
    {
      path: '/processor/token/permissions/get',
      summary: "The token's permission set",
      request: processorTokenPermissionsGetRequestSchema,
      response: processorTokenPermissionsGetResponseSchema,
    },
    (body, c) => {
      const item = ctx.state.itemFor(body.processor_token, c.get('client').clientId);
      return { products: item.permissions };
    },
  );

  plaidPost(
    router,
    {
      path: '/processor/token/webhook/update',
      summary: "Set or remove the token's webhook",
      request: processorTokenWebhookUpdateRequestSchema,
      response: processorTokenWebhookUpdateResponseSchema,
    },
    (body, c) => {
      const item = ctx.state.itemFor(body.processor_token, c.get('client').clientId);
      item.webhook = body.webhook;
      if (body.webhook) ctx.webhooks.send(body.webhook, webhookUpdateAcknowledged(item, body.webhook));
      return {};
    },
  );

  plaidPost(
    router,
    {
      path: '/webhook_verification_key/get',
      summary: 'The public key that verifies webhook signatures',
      request: webhookVerificationKeyGetRequestSchema,
      response: webhookVerificationKeyGetResponseSchema,
    },
    async (body) => {
      const key = await ctx.webhooks.publicKey(body.key_id);
      if (!key) {
        throw new PlaidError({ type: 'INVALID_INPUT', code: 'INVALID_WEBHOOK_VERIFICATION_KEY_ID', message: 'invalid key_id provided' });
      }
      return { key };
    },
  );

  return router;
}
