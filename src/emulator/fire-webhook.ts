import { PlaidError, errors } from '../plaid/errors';
import {
  authDefaultUpdate,
  historicalUpdate,
  identityDefaultUpdate,
  initialUpdate,
  itemLoginRequired,
  loginRepaired,
  newAccountsAvailable,
  pendingDisconnect,
  pendingExpiration,
  sendDefaultUpdate,
  sendToItem,
  syncUpdatesAvailable,
  userAccountRevoked,
  userPermissionRevoked,
  type WebhookBody,
} from './item-webhooks';
import type { Item } from './state';
import type { WebhookSender } from './webhooks';

/**
 * The emulator's /sandbox/item/fire_webhook, for a processor token: Plaid's
 * request shape ({webhook_type?, webhook_code}) with `processor_token` in place
 * of `access_token`. It sends the webhook on demand, whatever the Item's state,
 * and changes nothing (use reset_login / repair / transactions/add for that).
 *
 * `webhook_type` is optional: each code has a default type (DEFAULT_UPDATE
 * means the Transactions one, ERROR the Item one). Codes Plaid can fire for
 * products the emulator's Items do not have (Assets, Investments, Liabilities,
 * Recurring Transactions) answer SANDBOX_PRODUCT_NOT_ENABLED, as Plaid answers
 * for an Item without the product; codes the emulator does not know answer
 * INVALID_FIELD; a token without a webhook answers SANDBOX_WEBHOOK_INVALID.
 */

/** Plaid's WebhookType values, plus IDENTITY (a valid DEFAULT_UPDATE type). */
export const FIRE_WEBHOOK_TYPES = [
  'AUTH',
  'HOLDINGS',
  'IDENTITY',
  'INVESTMENTS_TRANSACTIONS',
  'ITEM',
  'LIABILITIES',
  'TRANSACTIONS',
  'ASSETS',
] as const;

export type FireWebhookType = (typeof FIRE_WEBHOOK_TYPES)[number];

type Send = (sender: WebhookSender, item: Item, now: Date) => void;
type Outcome = { send: Send } | { productNotEnabled: string };

const body =
  (build: (item: Item, now: Date) => WebhookBody): Outcome => ({ send: (sender, item, now) => void sendToItem(sender, item, build(item, now)) });
const notEnabled = (product: string): Outcome => ({ productNotEnabled: product });

interface Fireable {
  defaultType: FireWebhookType;
  types: Partial<Record<FireWebhookType, Outcome>>;
}

const FIREABLE: Readonly<Record<string, Fireable>> = {
  SYNC_UPDATES_AVAILABLE: { defaultType: 'TRANSACTIONS', types: { TRANSACTIONS: body(syncUpdatesAvailable) } },
  DEFAULT_UPDATE: {
    defaultType: 'TRANSACTIONS',
    types: {
      TRANSACTIONS: { send: (sender, item) => void sendDefaultUpdate(sender, item) },
      AUTH: body(authDefaultUpdate),
      IDENTITY: body(identityDefaultUpdate),
      HOLDINGS: notEnabled('investments'),
      INVESTMENTS_TRANSACTIONS: notEnabled('investments'),
      LIABILITIES: notEnabled('liabilities'),
    },
  },
  INITIAL_UPDATE: { defaultType: 'TRANSACTIONS', types: { TRANSACTIONS: body(initialUpdate) } },
  HISTORICAL_UPDATE: { defaultType: 'TRANSACTIONS', types: { TRANSACTIONS: body(historicalUpdate) } },
  RECURRING_TRANSACTIONS_UPDATE: { defaultType: 'TRANSACTIONS', types: { TRANSACTIONS: notEnabled('recurring_transactions') } },
  ERROR: { defaultType: 'ITEM', types: { ITEM: body(itemLoginRequired), ASSETS: notEnabled('assets') } },
  PRODUCT_READY: { defaultType: 'ASSETS', types: { ASSETS: notEnabled('assets') } },
  LOGIN_REPAIRED: { defaultType: 'ITEM', types: { ITEM: body(loginRepaired) } },
  NEW_ACCOUNTS_AVAILABLE: { defaultType: 'ITEM', types: { ITEM: body(newAccountsAvailable) } },
  PENDING_EXPIRATION: { defaultType: 'ITEM', types: { ITEM: body(pendingExpiration) } },
  PENDING_DISCONNECT: { defaultType: 'ITEM', types: { ITEM: body(pendingDisconnect) } },
  USER_PERMISSION_REVOKED: { defaultType: 'ITEM', types: { ITEM: body(userPermissionRevoked) } },
  USER_ACCOUNT_REVOKED: { defaultType: 'ITEM', types: { ITEM: body(userAccountRevoked) } },
};

/** The codes the control accepts, each with the webhook types it can be fired as. */
export const FIREABLE_WEBHOOK_CODES: Readonly<Record<string, readonly FireWebhookType[]>> = Object.fromEntries(
  Object.entries(FIREABLE).map(([code, { types }]) => [code, Object.keys(types) as FireWebhookType[]]),
);

/** Fires `code` (as `type`, or the code's default type) for the Item, or throws the Plaid error Plaid would answer. */
export function fireWebhook(
  sender: WebhookSender,
  item: Item,
  request: { webhook_code: string; webhook_type?: FireWebhookType | undefined },
  now: Date,
): void {
  const fireable = Object.hasOwn(FIREABLE, request.webhook_code) ? FIREABLE[request.webhook_code] : undefined;
  if (!fireable) {
    throw errors.invalidField(`webhook_code is not supported by the emulator; supported: ${Object.keys(FIREABLE).join(', ')}`);
  }
  const type = request.webhook_type ?? fireable.defaultType;
  const outcome = fireable.types[type];
  if (!outcome) {
    throw errors.invalidField(
      `webhook_type ${type} has no ${request.webhook_code} webhook; use one of: ${Object.keys(fireable.types).join(', ')}`,
    );
  }
  if ('productNotEnabled' in outcome) {
    throw new PlaidError({
      type: 'SANDBOX_ERROR',
      code: 'SANDBOX_PRODUCT_NOT_ENABLED',
      message: `The ${outcome.productNotEnabled} product is not enabled on this item`,
    });
  }
  if (!item.webhook) {
    throw new PlaidError({
      type: 'SANDBOX_ERROR',
      code: 'SANDBOX_WEBHOOK_INVALID',
      message: "Webhook for this item is either not set up, or invalid. Please update the item's webhook and try again.",
    });
  }
  outcome.send(sender, item, now);
}
