import { z } from '@hono/zod-openapi';
import { plaidRequest, processorTokenSchema, requestIdSchema } from './common';

/**
 * /processor/transactions/refresh: asks for an on-demand transactions
 * extraction for the token's account. The answer carries only request_id; what
 * the extraction finds is announced by webhooks (SYNC_UPDATES_AVAILABLE,
 * DEFAULT_UPDATE, TRANSACTIONS_REMOVED).
 */

export const processorTransactionsRefreshRequestSchema = plaidRequest({
  processor_token: processorTokenSchema,
}).openapi('ProcessorTransactionsRefreshRequest');

export type ProcessorTransactionsRefreshRequest = z.infer<typeof processorTransactionsRefreshRequestSchema>;

export const processorTransactionsRefreshResponseSchema = z
  .looseObject({ request_id: requestIdSchema })
  .openapi('ProcessorTransactionsRefreshResponse');

export type ProcessorTransactionsRefreshResponse = z.infer<typeof processorTransactionsRefreshResponseSchema>;
