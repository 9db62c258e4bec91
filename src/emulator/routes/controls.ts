import { z } from '@hono/zod-openapi';
import { plaidRequest, processorTokenSchema, requestIdSchema } from '../../plaid/schemas';
import { FIRE_WEBHOOK_TYPES, FIREABLE_WEBHOOK_CODES, fireWebhook } from '../fire-webhook';
import { itemLoginRequired, loginRepaired, sendToItem, transactionsChanged } from '../item-webhooks';
import { createEmulatorRouter, plaidPost, type EmulatorContext } from '../router';
import { addTransactions } from '../transactions';

/**
 * Emulator-only controls (not Plaid endpoints; Plaid's equivalents need an
 * access_token, which a processor-token holder never has). Same conventions as
 * Plaid: POST, JSON, Plaid keys, Plaid errors, request_id.
 *
 * - /sandbox/processor_token/reset_login: the Item goes to ITEM_LOGIN_REQUIRED
 *   (as /sandbox/item/reset_login does), and an ITEM ERROR webhook is sent.
 * - /sandbox/processor_token/repair: the Item is healthy again (the user went
 *   through Link's update mode); a LOGIN_REPAIRED webhook is sent if it was in
 *   ITEM_LOGIN_REQUIRED.
 * - /sandbox/processor_token/transactions/add: new transactions (and optionally
 *   every pending one posted); sends the transactions webhooks Plaid sends for
 *   such a change (SYNC_UPDATES_AVAILABLE once the token has synced,
 *   DEFAULT_UPDATE, TRANSACTIONS_REMOVED; see transactionsChanged).
 * - /sandbox/processor_token/fire_webhook: Plaid's /sandbox/item/fire_webhook
 *   for a processor token (see fire-webhook.ts).
 */
const tokenOnly = plaidRequest({ processor_token: processorTokenSchema });

const resetLoginResponse = z.looseObject({ reset_login: z.boolean(), request_id: requestIdSchema }).openapi('EmulatorResetLoginResponse');
const repairResponse = z.looseObject({ repaired: z.boolean(), request_id: requestIdSchema }).openapi('EmulatorRepairResponse');

export const emulatorTransactionsAddRequestSchema = plaidRequest({
  processor_token: processorTokenSchema,
  count: z.number().int().min(1).max(500).optional().openapi({ description: 'How many generated transactions to add (default 1).' }),
  transactions: z
    .array(
      z.strictObject({
        amount: z.number().optional(),
        date: z.iso.date().optional(),
        name: z.string().min(1).max(200).optional(),
        pending: z.boolean().optional(),
      }),
    )
    .min(1)
    .max(500)
    .optional()
    .openapi({ description: 'Explicit transactions to add (instead of count).' }),
  post_pending: z.boolean().optional().openapi({ description: 'Also post every pending transaction (removed + added).' }),
}).openapi('EmulatorTransactionsAddRequest');

export const emulatorFireWebhookRequestSchema = plaidRequest({
  processor_token: processorTokenSchema,
  webhook_type: z
    .enum(FIRE_WEBHOOK_TYPES)
    .optional()
    .openapi({ description: 'The webhook type; by default the code\'s own (TRANSACTIONS for DEFAULT_UPDATE, ITEM for ERROR).' }),
  webhook_code: z.string().openapi({ description: `The webhook to fire: ${Object.keys(FIREABLE_WEBHOOK_CODES).join(', ')}.` }),
}).openapi('EmulatorFireWebhookRequest');

const fireWebhookResponse = z
  .looseObject({ webhook_fired: z.boolean(), request_id: requestIdSchema })
  .openapi('EmulatorFireWebhookResponse');

const transactionsAddResponse = z
  .looseObject({ added: z.array(z.string()), removed: z.array(z.string()), request_id: requestIdSchema })
  .openapi('EmulatorTransactionsAddResponse');

export function controlRoutes(ctx: EmulatorContext) {
  const router = createEmulatorRouter();

  plaidPost(
    router,
    { path: '/sandbox/processor_token/reset_login', summary: 'Force ITEM_LOGIN_REQUIRED', request: tokenOnly, response: resetLoginResponse },
    (body, c) => {
      const item = ctx.state.itemFor(body.processor_token, c.get('client').clientId);
      item.error = 'ITEM_LOGIN_REQUIRED';
      sendToItem(ctx.webhooks, item, itemLoginRequired(item));
      return { reset_login: true };
    },
  );

  plaidPost(
    router,
    { path: '/sandbox/processor_token/repair', summary: 'Clear the Item error', request: tokenOnly, response: repairResponse },
    (body, c) => {
      const item = ctx.state.itemFor(body.processor_token, c.get('client').clientId);
      const wasLoginRequired = item.error === 'ITEM_LOGIN_REQUIRED';
      item.error = null;
      if (wasLoginRequired) sendToItem(ctx.webhooks, item, loginRepaired(item));
      return { repaired: true };
    },
  );

  plaidPost(
    router,
    {
      path: '/sandbox/processor_token/transactions/add',
      summary: 'Add transactions (sends the transactions webhooks)',
      request: emulatorTransactionsAddRequestSchema,
      response: transactionsAddResponse,
    },
    (body, c) => {
      const item = ctx.state.itemFor(body.processor_token, c.get('client').clientId);
      const result = addTransactions(item, body, ctx.clock());
      transactionsChanged(ctx.webhooks, item, result);
      return { ...result };
    },
  );

  plaidPost(
    router,
    {
      path: '/sandbox/processor_token/fire_webhook',
      summary: "Fire a test webhook to the token's webhook URL",
      request: emulatorFireWebhookRequestSchema,
      response: fireWebhookResponse,
    },
    (body, c) => {
      const item = ctx.state.itemFor(body.processor_token, c.get('client').clientId);
      fireWebhook(ctx.webhooks, item, body, ctx.clock());
      return { webhook_fired: true };
    },
  );

  return router;
}
