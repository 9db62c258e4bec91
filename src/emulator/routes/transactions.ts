import { processorTransactionsSyncRequestSchema, processorTransactionsSyncResponseSchema } from '../../plaid/schemas';
import { createEmulatorRouter, plaidPost, type EmulatorContext } from '../router';
import { syncTransactions } from '../transactions';
import { guardedItem } from './guard';

/** /processor/transactions/sync. */
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
      const { request_id: _omit, ...page } = syncTransactions(
        item,
        { cursor: body.cursor, count: body.count, includeOriginalDescription: body.options?.include_original_description ?? false },
        c.get('requestId'),
      );
      return page;
    },
  );
  return router;
}
