import {
  partnerEndpoint,
  processorTransactionsRefreshRequestSchema,
  processorTransactionsRefreshResponseSchema,
} from '../../plaid/schemas';
import { supportsTransactions } from '../data/profile';
import { itemError } from '../item-errors';
import { transactionsChanged } from '../item-webhooks';
import type { Item } from '../state';
import { createEmulatorRouter, plaidPost, type EmulatorContext } from '../router';
import { refreshTransactions, syncTransactions } from '../transactions';
import { guardedItem } from './guard';

/**
 * Transactions covers depository, credit and student-loan accounts (see
 * supportsTransactions); another user_custom account answers
 * PRODUCTS_NOT_SUPPORTED, "a product endpoint request ... for an Item that
 * does not support that product".
 */
function requireTransactionsSupport(item: Item): void {
  if (!supportsTransactions(item.profile)) throw itemError('PRODUCTS_NOT_SUPPORTED');
}

/** /processor/transactions/sync and /processor/transactions/refresh. */
export function transactionsRoutes(ctx: EmulatorContext) {
  const router = createEmulatorRouter();
  plaidPost(
    router,
    partnerEndpoint('/processor/transactions/sync'),
    (body, c) => {
      const item = guardedItem(ctx, c, body.processor_token, { product: 'transactions', needsHealthyItem: true });
      requireTransactionsSupport(item);
      // From now on the Item's transactions changes send SYNC_UPDATES_AVAILABLE.
      item.syncCalled = true;
      const { request_id: _omit, ...page } = syncTransactions(
        item,
        {
          cursor: body.cursor,
          count: body.count,
          includeOriginalDescription: body.options?.include_original_description ?? false,
          ...(body.options?.days_requested !== undefined ? { daysRequested: body.options.days_requested } : {}),
          ...(body.options?.account_id !== undefined ? { accountId: body.options.account_id } : {}),
        },
        c.get('requestId'),
      );
      return page;
    },
  );

  /**
   * An on-demand extraction: it always finds something (pending transactions
   * from before today post, 1-3 new pending ones arrive; see
   * refreshTransactions) and the changes send Plaid's transactions webhooks.
   * Plaid's spec: refresh "is not supported for Capital One (ins_128026)
   * non-depository accounts and will result in a PRODUCTS_NOT_SUPPORTED error"
   * for an Item with only such accounts (a token's Item has one account);
   * depository accounts refresh at every institution, Capital One included.
   */
  plaidPost(
    router,
    {
      path: '/processor/transactions/refresh',
      summary: 'On-demand transactions extraction (changes are announced by webhooks)',
      request: processorTransactionsRefreshRequestSchema,
      response: processorTransactionsRefreshResponseSchema,
    },
    (body, c) => {
      const item = guardedItem(ctx, c, body.processor_token, { product: 'transactions', needsHealthyItem: true });
      requireTransactionsSupport(item);
      if (item.institution.nonDepositoryCached && item.profile.account.type !== 'depository') throw itemError('PRODUCTS_NOT_SUPPORTED');
      transactionsChanged(ctx.webhooks, item, refreshTransactions(item, ctx.clock()));
      return {};
    },
  );
  return router;
}
