import { z } from '@hono/zod-openapi';
import { accountBaseSchema } from './account';
import { plaidRequest, processorTokenSchema, requestIdSchema } from './common';

/** /processor/transactions/sync (Plaid's Transaction object, loosely described). */

export const locationSchema = z
  .looseObject({
    address: z.string().nullable(),
    city: z.string().nullable(),
    region: z.string().nullable(),
    postal_code: z.string().nullable(),
    country: z.string().nullable(),
    lat: z.number().nullable(),
    lon: z.number().nullable(),
    store_number: z.string().nullable(),
  })
  .openapi('Location');

export const paymentMetaSchema = z
  .looseObject({
    reference_number: z.string().nullable(),
    ppd_id: z.string().nullable(),
    payee: z.string().nullable(),
    by_order_of: z.string().nullable(),
    payer: z.string().nullable(),
    payment_method: z.string().nullable(),
    payment_processor: z.string().nullable(),
    reason: z.string().nullable(),
  })
  .openapi('PaymentMeta');

export const personalFinanceCategorySchema = z
  .looseObject({ primary: z.string(), detailed: z.string(), confidence_level: z.string().nullable().optional() })
  .openapi('PersonalFinanceCategory');

export const transactionSchema = z
  .looseObject({
    transaction_id: z.string(),
    account_id: z.string(),
    amount: z.number().openapi({ description: 'Positive when money leaves the account, negative when it comes in.' }),
    iso_currency_code: z.string().nullable(),
    unofficial_currency_code: z.string().nullable(),
    category: z.array(z.string()).nullable().optional(),
    category_id: z.string().nullable().optional(),
    check_number: z.string().nullable().optional(),
    date: z.string().openapi({ format: 'date' }),
    datetime: z.string().nullable(),
    authorized_date: z.string().nullable(),
    authorized_datetime: z.string().nullable(),
    location: locationSchema,
    name: z.string(),
    merchant_name: z.string().nullable().optional(),
    merchant_entity_id: z.string().nullable().optional(),
    original_description: z.string().nullable().optional(),
    payment_meta: paymentMetaSchema,
    payment_channel: z.enum(['online', 'in store', 'other']),
    pending: z.boolean(),
    pending_transaction_id: z.string().nullable(),
    account_owner: z.string().nullable(),
    logo_url: z.string().nullable().optional(),
    website: z.string().nullable().optional(),
    personal_finance_category: personalFinanceCategorySchema.nullable().optional(),
    transaction_code: z.string().nullable(),
    transaction_type: z.string().optional(),
    counterparties: z.array(z.looseObject({ name: z.string(), type: z.string() })).optional(),
  })
  .openapi('Transaction');

export type Transaction = z.infer<typeof transactionSchema>;

export const removedTransactionSchema = z
  .looseObject({ transaction_id: z.string(), account_id: z.string() })
  .openapi('RemovedTransaction');

export const TRANSACTIONS_UPDATE_STATUSES = [
  'TRANSACTIONS_UPDATE_STATUS_UNKNOWN',
  'NOT_READY',
  'INITIAL_UPDATE_COMPLETE',
  'HISTORICAL_UPDATE_COMPLETE',
] as const;

export type TransactionsUpdateStatus = (typeof TRANSACTIONS_UPDATE_STATUSES)[number];

export const transactionsSyncRequestOptionsSchema = z
  .strictObject({
    include_original_description: z.boolean().nullish(),
    include_personal_finance_category: z.boolean().optional(),
    include_logo_and_counterparty_beta: z.boolean().optional(),
    personal_finance_category_version: z.enum(['v1', 'v2']).optional(),
    days_requested: z.number().int().min(1).max(730).optional(),
    account_id: z.string().optional(),
  })
  .openapi('TransactionsSyncRequestOptions');

export const processorTransactionsSyncRequestSchema = plaidRequest({
  processor_token: processorTokenSchema,
  cursor: z.string().max(256).nullish().openapi({
    description: 'The cursor from the previous call (`next_cursor`); omit or "" for the whole history; "now" to start from the latest state.',
  }),
  count: z.number().int().min(1).max(500).nullish().openapi({ description: 'Updates per page (default 100, 1-500).', example: 100 }),
  options: transactionsSyncRequestOptionsSchema.optional(),
}).openapi('ProcessorTransactionsSyncRequest');

export type ProcessorTransactionsSyncRequest = z.infer<typeof processorTransactionsSyncRequestSchema>;

export const processorTransactionsSyncResponseSchema = z
  .looseObject({
    transactions_update_status: z.enum(TRANSACTIONS_UPDATE_STATUSES),
    account: accountBaseSchema.nullable(),
    added: z.array(transactionSchema),
    modified: z.array(transactionSchema),
    removed: z.array(removedTransactionSchema),
    next_cursor: z.string(),
    has_more: z.boolean(),
    request_id: requestIdSchema,
  })
  .openapi('ProcessorTransactionsSyncResponse');

export type ProcessorTransactionsSyncResponse = z.infer<typeof processorTransactionsSyncResponseSchema>;
