import type { Context } from 'hono';
import { PlaidError } from '../../plaid/errors';
import { productAllowed, type Product } from '../../plaid/schemas';
import { itemError } from '../item-errors';
import { itemLoginRequired, sendToItem } from '../item-webhooks';
import type { EmulatorContext, EmulatorEnv } from '../router';
import type { Item } from '../state';

export interface GuardOptions {
  /** Product the endpoint needs (checked against the token's permission set). */
  product?: Product;
  /** Whether the Item's error state (ITEM_LOGIN_REQUIRED, error_<CODE>) blocks the call: data calls yes, reports no. */
  needsHealthyItem?: boolean;
  /** Extra rate-limit key (Signal's per-transaction limit). */
  transactionKey?: string;
}

/**
 * What every call with a processor token goes through, in this order: the token
 * resolves for this client (else INVALID_PROCESSOR_TOKEN), the permission set
 * allows the product, the rate limits admit the call, and the Item (and its
 * institution) is healthy.
 *
 * "Product not permitted" answers INVALID_PRODUCT (INVALID_INPUT, 400). Plaid does
 * not document this case; INVALID_PRODUCT is the code
 * whose documented causes cover calling a processor endpoint for a product the
 * token cannot use, and it is an input error (the partner's call is wrong, the
 * Item is fine), unlike the ITEM_ERROR codes PRODUCT_NOT_ENABLED/ACCESS_NOT_GRANTED.
 */
export function guardedItem(ctx: EmulatorContext, c: Context<EmulatorEnv>, token: string, options: GuardOptions = {}): Item {
  const item = ctx.state.itemFor(token, c.get('client').clientId);
  expireLogin(ctx, item);
  if (options.product && !productAllowed(item.permissions, options.product)) {
    throw new PlaidError({
      type: 'INVALID_INPUT',
      code: 'INVALID_PRODUCT',
      message: `the processor token is not permitted to access the following products: ${options.product}`,
    });
  }
  ctx.limiter.consume(c.req.path, {
    item: item.itemId,
    client: c.get('client').clientId,
    ...(options.transactionKey ? { transaction: `${item.itemId}:${options.transactionKey}` } : {}),
  });
  if (options.needsHealthyItem) {
    if (item.error) throw itemError(item.error);
    if (item.institution.error) throw itemError(item.institution.error);
  }
  return item;
}

/** How long a Sandbox login stays good: "Sandbox Items will also automatically enter the ITEM_LOGIN_REQUIRED state 30 days after being created". */
export const SANDBOX_LOGIN_DAYS = 30;

/**
 * Plaid's Sandbox puts an Item in ITEM_LOGIN_REQUIRED 30 days after it was
 * created (the emulator counts from the last repair too, as an update-mode
 * login renews it). The emulator has no background jobs: the transition
 * happens on the token's first call after that time, and sends the ITEM
 * ERROR webhook then, as reset_login does. An Item already in another error
 * keeps it.
 */
export function expireLogin(ctx: EmulatorContext, item: Item): void {
  if (item.error) return;
  if (ctx.clock().getTime() - item.loginValidSince.getTime() < SANDBOX_LOGIN_DAYS * 86_400_000) return;
  item.error = 'ITEM_LOGIN_REQUIRED';
  sendToItem(ctx.webhooks, item, itemLoginRequired(item));
}
