import {
  processorTransactionsRefreshRequestSchema,
  processorTransactionsRefreshResponseSchema,
  processorTransactionsSyncRequestSchema,
  processorTransactionsSyncResponseSchema,
} from '../../plaid/schemas';
import { transactionsChanged } from '../item-webhooks';
import { createEmulatorRouter, plaidPost, type EmulatorContext } from '../router';
import { refreshTransactions, syncTransactions } from '../transactions';
import { guardedItem } from './guard';

/** /processor/transactions/sync and /processor/transactions/refresh. */
export function transactionsRoutes(ctx: EmulatorContext) {
  const router = createEmulatorRouter();
  plaidPost(
    router,
    {
      path: '/processor/transactions/sync',
      summary: 'Transactions changes since a cursor',
      request: processorTransactionsSyncRequestSchema,
      response: processorTransactionsSyncResponseSchema,
    },
    (body, c) => {
      const item = guardedItem(ctx, c, body.processor_token, { product: 'transactions', needsHealthyItem: true });
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
   * The token's account is a depository (checking) account, for which Plaid
   * supports refresh at every institution, Capital One included.
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
      transactionsChanged(ctx.webhooks, item, refreshTransactions(item, ctx.clock()));
      return {};
    },
  );
  return router;
}
