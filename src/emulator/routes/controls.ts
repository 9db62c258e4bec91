import { z } from '@hono/zod-openapi';
import { plaidRequest, processorTokenSchema, requestIdSchema } from '../../plaid/schemas';
import { FIRE_WEBHOOK_TYPES, FIREABLE_WEBHOOK_CODES, fireWebhook } from '../fire-webhook';
import { errors } from '../../plaid/errors';
import { itemLoginRequired, loginRepaired, pullCompleted, sendToItem, transactionsChanged } from '../item-webhooks';
import { createEmulatorRouter, plaidPost, type EmulatorContext } from '../router';
import { addTransactions, completePull, modifyTransactions, removeTransactions, resetTransactions } from '../transactions';

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
 * - /sandbox/processor_token/transactions/set_update_status: NOT_READY puts the
 *   token's transactions back to "not pulled yet" (sync answers empty pages
 *   with an empty next_cursor); INITIAL_UPDATE_COMPLETE releases the last 30
 *   days; HISTORICAL_UPDATE_COMPLETE the whole history. Completing sends
 *   INITIAL_UPDATE / HISTORICAL_UPDATE and, once sync was called,
 *   SYNC_UPDATES_AVAILABLE.
 * - /sandbox/processor_token/transactions/modify and /remove: the institution
 *   changed or dropped live transactions; sync reports them in `modified` /
 *   `removed`, and SYNC_UPDATES_AVAILABLE (and TRANSACTIONS_REMOVED) are sent.
 * - /sandbox/processor_token/signal/set_product_not_ready: while `not_ready`
 *   is true, /processor/signal/evaluate answers PRODUCT_NOT_READY.
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

export const emulatorSetUpdateStatusRequestSchema = plaidRequest({
  processor_token: processorTokenSchema,
  transactions_update_status: z.enum(['NOT_READY', 'INITIAL_UPDATE_COMPLETE', 'HISTORICAL_UPDATE_COMPLETE']),
}).openapi('EmulatorTransactionsSetUpdateStatusRequest');

const setUpdateStatusResponse = z
  .looseObject({
    transactions_update_status: z.enum(['NOT_READY', 'INITIAL_UPDATE_COMPLETE', 'HISTORICAL_UPDATE_COMPLETE']),
    added: z.array(z.string()),
    request_id: requestIdSchema,
  })
  .openapi('EmulatorTransactionsSetUpdateStatusResponse');

export const emulatorTransactionsModifyRequestSchema = plaidRequest({
  processor_token: processorTokenSchema,
  transaction_ids: z.array(z.string().min(1)).min(1).max(500).optional().openapi({ description: 'Default: the most recent live transaction.' }),
  amount: z.number().optional(),
  name: z.string().min(1).max(200).optional(),
  date: z.iso.date().optional(),
}).openapi('EmulatorTransactionsModifyRequest');

export const emulatorTransactionsRemoveRequestSchema = plaidRequest({
  processor_token: processorTokenSchema,
  transaction_ids: z.array(z.string().min(1)).min(1).max(500),
}).openapi('EmulatorTransactionsRemoveRequest');

const transactionsChangeResponse = z
  .looseObject({ modified: z.array(z.string()).optional(), removed: z.array(z.string()), request_id: requestIdSchema })
  .openapi('EmulatorTransactionsChangeResponse');

export const emulatorSignalNotReadyRequestSchema = plaidRequest({
  processor_token: processorTokenSchema,
  not_ready: z.boolean().optional().openapi({ description: 'true (default): evaluate answers PRODUCT_NOT_READY; false: it scores again.' }),
}).openapi('EmulatorSignalSetProductNotReadyRequest');

const signalNotReadyResponse = z
  .looseObject({ not_ready: z.boolean(), request_id: requestIdSchema })
  .openapi('EmulatorSignalSetProductNotReadyResponse');

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
      // A login through update mode is good for another 30 days.
      item.loginValidSince = ctx.clock();
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

  plaidPost(
    router,
    {
      path: '/sandbox/processor_token/transactions/set_update_status',
      summary: "Put the token's transactions into NOT_READY, or complete the initial / historical pull",
      request: emulatorSetUpdateStatusRequestSchema,
      response: setUpdateStatusResponse,
    },
    (body, c) => {
      const item = ctx.state.itemFor(body.processor_token, c.get('client').clientId);
      const target = body.transactions_update_status;
      if (target === 'NOT_READY') {
        resetTransactions(item);
        return { transactions_update_status: item.transactionsStatus, added: [] };
      }
      if (target === 'INITIAL_UPDATE_COMPLETE' && item.transactionsStatus === 'HISTORICAL_UPDATE_COMPLETE') {
        throw errors.invalidField('transactions_update_status: the historical pull is already complete; set NOT_READY first');
      }
      const progress = completePull(item, target);
      pullCompleted(ctx.webhooks, item, progress, ctx.clock());
      return { transactions_update_status: item.transactionsStatus, added: progress.added };
    },
  );

  plaidPost(
    router,
    {
      path: '/sandbox/processor_token/transactions/modify',
      summary: 'Modify live transactions (sync reports them in `modified`)',
      request: emulatorTransactionsModifyRequestSchema,
      response: transactionsChangeResponse,
    },
    (body, c) => {
      const item = ctx.state.itemFor(body.processor_token, c.get('client').clientId);
      const result = modifyTransactions(item, body);
      transactionsChanged(ctx.webhooks, item, result);
      return { modified: result.modified ?? [], removed: [] };
    },
  );

  plaidPost(
    router,
    {
      path: '/sandbox/processor_token/transactions/remove',
      summary: 'Remove live transactions (sync reports them in `removed`)',
      request: emulatorTransactionsRemoveRequestSchema,
      response: transactionsChangeResponse,
    },
    (body, c) => {
      const item = ctx.state.itemFor(body.processor_token, c.get('client').clientId);
      const result = removeTransactions(item, body.transaction_ids);
      transactionsChanged(ctx.webhooks, item, result);
      return { removed: result.removed };
    },
  );

  plaidPost(
    router,
    {
      path: '/sandbox/processor_token/signal/set_product_not_ready',
      summary: "Make /processor/signal/evaluate answer PRODUCT_NOT_READY (or stop)",
      request: emulatorSignalNotReadyRequestSchema,
      response: signalNotReadyResponse,
    },
    (body, c) => {
      const item = ctx.state.itemFor(body.processor_token, c.get('client').clientId);
      item.signalNotReady = body.not_ready ?? true;
      return { not_ready: item.signalNotReady };
    },
  );

  return router;
}
