import type { PlaidError } from '../plaid/errors';
import { itemError } from './item-errors';
import type { Item } from './state';
import { ensureLog, type AddTransactionsResult, type PullProgress } from './transactions';
import type { WebhookSender } from './webhooks';

/**
 * The webhook bodies the emulator sends for a processor token's Item, shaped as
 * Plaid's Item, Transactions, Auth and Identity webhooks (each builder names
 * Plaid's schema for its body), and the rules for when transactions changes
 * send them.
 *
 * Every body carries `webhook_type`, `webhook_code`, the Item's `item_id` and
 * `environment: "sandbox"`. Transactions webhooks also carry the token's
 * `account_id`: Plaid's processor-partner variants of those webhooks
 * (Processor*Webhook) identify the account instead of the Item, so a body with
 * both fields is valid under either schema, and a partner (who never sees an
 * item_id in a /processor/* response) can match it to the token's account.
 *
 * Signing and delivery are WebhookSender's; nothing is sent for an Item without
 * a webhook URL.
 */

export const WEBHOOK_ENVIRONMENT = 'sandbox';

export type WebhookBody = Record<string, unknown> & {
  webhook_type: string;
  webhook_code: string;
  item_id: string;
  environment: typeof WEBHOOK_ENVIRONMENT;
};

/** Days between a PENDING_EXPIRATION / PENDING_DISCONNECT webhook and the event it announces. */
export const PENDING_NOTICE_DAYS = 7;
const DAY_MS = 86_400_000;

function body(item: Item, type: string, code: string, fields: Record<string, unknown> = {}): WebhookBody {
  return { webhook_type: type, webhook_code: code, item_id: item.itemId, ...fields, environment: WEBHOOK_ENVIRONMENT };
}

/**
 * A Plaid error as webhooks carry it: with the HTTP `status`, and without
 * `request_id` (omitted in errors provided by webhooks) or `causes` (Assets only).
 */
export function webhookError(error: PlaidError): Record<string, unknown> {
  const { request_id: _requestId, causes: _causes, ...rest } = error.toBody('');
  return { ...rest, status: error.status };
}

// TRANSACTIONS

/** SyncUpdatesAvailableWebhook; its two flags follow the Item's transactions_update_status. */
export function syncUpdatesAvailable(item: Item): WebhookBody {
  return body(item, 'TRANSACTIONS', 'SYNC_UPDATES_AVAILABLE', {
    account_id: item.accountId,
    initial_update_complete: item.transactionsStatus !== 'NOT_READY',
    historical_update_complete: item.transactionsStatus === 'HISTORICAL_UPDATE_COMPLETE',
  });
}

/** DefaultUpdateWebhook: `new_transactions` detected since the last DEFAULT_UPDATE. */
export function defaultUpdate(item: Item, newTransactions: number): WebhookBody {
  return body(item, 'TRANSACTIONS', 'DEFAULT_UPDATE', { account_id: item.accountId, error: null, new_transactions: newTransactions });
}

/** TransactionsRemovedWebhook. */
export function transactionsRemoved(item: Item, removedIds: string[]): WebhookBody {
  return body(item, 'TRANSACTIONS', 'TRANSACTIONS_REMOVED', {
    account_id: item.accountId,
    removed_transactions: removedIds,
    error: null,
  });
}

/** How many live transactions the Item has, in all and in the 30 days before `now`. */
function liveTransactionCounts(item: Item, now: Date): { all: number; last30Days: number } {
  const log = ensureLog(item);
  const removed = new Set(log.flatMap((e) => (e.kind === 'removed' ? [e.transactionId] : [])));
  const since = new Date(now.getTime() - 30 * DAY_MS).toISOString().slice(0, 10);
  let all = 0;
  let last30Days = 0;
  for (const e of log) {
    if (e.kind !== 'added' || removed.has(e.tx.transaction.transaction_id)) continue;
    all++;
    if (e.tx.transaction.date >= since) last30Days++;
  }
  return { all, last30Days };
}

/** InitialUpdateWebhook: the most recent 30 days are ready (`new_transactions` is their count). */
export function initialUpdate(item: Item, now: Date): WebhookBody {
  return body(item, 'TRANSACTIONS', 'INITIAL_UPDATE', {
    account_id: item.accountId,
    error: null,
    new_transactions: liveTransactionCounts(item, now).last30Days,
  });
}

/** HistoricalUpdateWebhook: the whole history is ready (`new_transactions` is its size). */
export function historicalUpdate(item: Item, now: Date): WebhookBody {
  return body(item, 'TRANSACTIONS', 'HISTORICAL_UPDATE', {
    account_id: item.accountId,
    error: null,
    new_transactions: liveTransactionCounts(item, now).all,
  });
}

// ITEM

/** ItemErrorWebhook for ITEM_LOGIN_REQUIRED. */
export function itemLoginRequired(item: Item): WebhookBody {
  return body(item, 'ITEM', 'ERROR', { error: webhookError(itemError('ITEM_LOGIN_REQUIRED')) });
}

/** ItemLoginRepairedWebhook. */
export function loginRepaired(item: Item): WebhookBody {
  return body(item, 'ITEM', 'LOGIN_REPAIRED');
}

/** NewAccountsAvailableWebhook. */
export function newAccountsAvailable(item: Item): WebhookBody {
  return body(item, 'ITEM', 'NEW_ACCOUNTS_AVAILABLE', { error: null });
}

/** PendingExpirationWebhook: consent expires PENDING_NOTICE_DAYS after `now`. */
export function pendingExpiration(item: Item, now: Date): WebhookBody {
  return body(item, 'ITEM', 'PENDING_EXPIRATION', {
    consent_expiration_time: new Date(now.getTime() + PENDING_NOTICE_DAYS * DAY_MS).toISOString(),
  });
}

/** PendingDisconnectWebhook: the Item disconnects PENDING_NOTICE_DAYS after `now` (an institution migration). */
export function pendingDisconnect(item: Item, now: Date): WebhookBody {
  return body(item, 'ITEM', 'PENDING_DISCONNECT', {
    reason: 'INSTITUTION_MIGRATION',
    disconnect_time: new Date(now.getTime() + PENDING_NOTICE_DAYS * DAY_MS).toISOString(),
  });
}

/** UserPermissionRevokedWebhook, with Plaid's USER_PERMISSION_REVOKED item error. */
export function userPermissionRevoked(item: Item): WebhookBody {
  return body(item, 'ITEM', 'USER_PERMISSION_REVOKED', {
    error: {
      error_type: 'ITEM_ERROR',
      error_code: 'USER_PERMISSION_REVOKED',
      error_message: 'the holder of this account has revoked their permission for your application to access it',
      display_message: null,
      status: 400,
    },
  });
}

/** UserAccountRevokedWebhook for the token's account, with Plaid's ACCESS_NOT_GRANTED item error. */
export function userAccountRevoked(item: Item): WebhookBody {
  return body(item, 'ITEM', 'USER_ACCOUNT_REVOKED', {
    account_id: item.accountId,
    error: {
      error_type: 'ITEM_ERROR',
      error_code: 'ACCESS_NOT_GRANTED',
      error_message: 'the user has revoked the account permissions for your application to access it',
      display_message: null,
      status: 400,
    },
  });
}

/** WebhookUpdateAcknowledgedWebhook, sent to the new URL. */
export function webhookUpdateAcknowledged(item: Item, newWebhookUrl: string): WebhookBody {
  return body(item, 'ITEM', 'WEBHOOK_UPDATE_ACKNOWLEDGED', { new_webhook_url: newWebhookUrl, error: null });
}

// AUTH and IDENTITY

/** AuthDefaultUpdateWebhook: the token's account has a new account number. */
export function authDefaultUpdate(item: Item): WebhookBody {
  return body(item, 'AUTH', 'DEFAULT_UPDATE', {
    account_ids_with_new_auth: [],
    account_ids_with_updated_auth: { [item.accountId]: ['ACCOUNT_NUMBER'] },
    error: null,
  });
}

/** IdentityDefaultUpdateWebhook: the token's account has updated owner addresses. */
export function identityDefaultUpdate(item: Item): WebhookBody {
  return body(item, 'IDENTITY', 'DEFAULT_UPDATE', {
    account_ids_with_updated_identity: { [item.accountId]: ['ADDRESSES'] },
    error: null,
  });
}

// Sending

/** Sends `payload` to the Item's webhook; false (nothing sent) when the Item has none. */
export function sendToItem(sender: WebhookSender, item: Item, payload: WebhookBody): boolean {
  if (!item.webhook) return false;
  sender.send(item.webhook, payload);
  return true;
}

/** Sends a DEFAULT_UPDATE with every transaction added since the last one, and starts counting again. */
export function sendDefaultUpdate(sender: WebhookSender, item: Item): boolean {
  const sent = sendToItem(sender, item, defaultUpdate(item, item.newSinceDefaultUpdate));
  if (sent) item.newSinceDefaultUpdate = 0;
  return sent;
}

/**
 * Plaid's webhooks for a change to an Item's transactions (new transactions
 * from the control or a refresh, pending transactions posted):
 *
 * - SYNC_UPDATES_AVAILABLE, for any change, but only once
 *   /processor/transactions/sync has been called on the Item;
 * - DEFAULT_UPDATE when transactions were added (`new_transactions`: how many
 *   since the last DEFAULT_UPDATE);
 * - TRANSACTIONS_REMOVED when transactions were removed, with their ids.
 *
 * The last two are the /transactions/get-era webhooks Plaid keeps sending
 * alongside SYNC_UPDATES_AVAILABLE; they do not wait for a sync call.
 */
export function transactionsChanged(sender: WebhookSender, item: Item, change: AddTransactionsResult): void {
  item.newSinceDefaultUpdate += change.added.length;
  if (change.added.length === 0 && change.removed.length === 0 && (change.modified?.length ?? 0) === 0) return;
  if (item.syncCalled) sendToItem(sender, item, syncUpdatesAvailable(item));
  if (change.added.length > 0) sendDefaultUpdate(sender, item);
  if (change.removed.length > 0) sendToItem(sender, item, transactionsRemoved(item, change.removed));
}

/**
 * Plaid's webhooks when a transactions pull completes: INITIAL_UPDATE when the
 * last 30 days are ready, HISTORICAL_UPDATE when the whole history is, and
 * SYNC_UPDATES_AVAILABLE (with initial_update_complete /
 * historical_update_complete as they now stand) once sync has been called on
 * the Item ("this call will still initialize the SYNC_UPDATES_AVAILABLE
 * webhook, and it will fire once data becomes available").
 */
export function pullCompleted(sender: WebhookSender, item: Item, progress: PullProgress, now: Date): void {
  for (const reached of progress.reached) {
    sendToItem(sender, item, reached === 'INITIAL_UPDATE_COMPLETE' ? initialUpdate(item, now) : historicalUpdate(item, now));
  }
  if (progress.reached.length > 0 && item.syncCalled) sendToItem(sender, item, syncUpdatesAvailable(item));
}
