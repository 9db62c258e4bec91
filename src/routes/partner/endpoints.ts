import {
  processorAuthGetRequestSchema,
  processorAuthGetResponseSchema,
  processorBalanceGetRequestSchema,
  processorBalanceGetResponseSchema,
  processorIdentityMatchRequestSchema,
  processorIdentityMatchResponseSchema,
  processorSignalDecisionReportRequestSchema,
  processorSignalDecisionReportResponseSchema,
  processorSignalEvaluateRequestSchema,
  processorSignalEvaluateResponseSchema,
  processorSignalReturnReportRequestSchema,
  processorSignalReturnReportResponseSchema,
  processorTransactionsSyncRequestSchema,
  processorTransactionsSyncResponseSchema,
} from '../../plaid/schemas';
import type { PartnerEndpointSpec } from './pipeline';

/**
 * The seven partner endpoints: Plaid's paths, Plaid's request and response
 * schemas (src/plaid/schemas, shared with the emulator), the product each one
 * needs (PARTNER_ENDPOINTS) and whether a lost answer may be retried upstream.
 */
export const PARTNER_ENDPOINT_SPECS: readonly PartnerEndpointSpec[] = [
  {
    path: '/processor/auth/get',
    product: 'auth',
    operationId: 'processorAuthGet',
    summary: 'Retrieve Auth data',
    description: "The account and its ACH/EFT/international/BACS numbers, as Plaid's /processor/auth/get.",
    request: processorAuthGetRequestSchema,
    response: processorAuthGetResponseSchema,
    idempotent: true,
  },
  {
    path: '/processor/balance/get',
    product: 'balance',
    operationId: 'processorBalanceGet',
    summary: 'Retrieve Balance data',
    description: "Real-time balance of the account, as Plaid's /processor/balance/get.",
    request: processorBalanceGetRequestSchema,
    response: processorBalanceGetResponseSchema,
    idempotent: true,
  },
  {
    path: '/processor/identity/match',
    product: 'identity',
    operationId: 'processorIdentityMatch',
    summary: 'Retrieve identity match scores',
    description:
      "Scores for how well the given user data matches the account holder, as Plaid's /processor/identity/match. A permission set with `identity_match` also allows it.",
    request: processorIdentityMatchRequestSchema,
    response: processorIdentityMatchResponseSchema,
    idempotent: true,
  },
  {
    path: '/processor/signal/evaluate',
    product: 'signal',
    operationId: 'processorSignalEvaluate',
    summary: 'Evaluate a planned ACH transaction',
    description: "Return-risk scores for a planned debit, as Plaid's /processor/signal/evaluate.",
    request: processorSignalEvaluateRequestSchema,
    response: processorSignalEvaluateResponseSchema,
    idempotent: true,
  },
  {
    path: '/processor/signal/decision/report',
    product: 'signal',
    operationId: 'processorSignalDecisionReport',
    summary: 'Report whether you initiated an ACH transaction',
    description: "As Plaid's /processor/signal/decision/report. Never retried by the gateway.",
    request: processorSignalDecisionReportRequestSchema,
    response: processorSignalDecisionReportResponseSchema,
    idempotent: false,
  },
  {
    path: '/processor/signal/return/report',
    product: 'signal',
    operationId: 'processorSignalReturnReport',
    summary: 'Report a return for an ACH transaction',
    description: "As Plaid's /processor/signal/return/report. Never retried by the gateway.",
    request: processorSignalReturnReportRequestSchema,
    response: processorSignalReturnReportResponseSchema,
    idempotent: false,
  },
  {
    path: '/processor/transactions/sync',
    product: 'transactions',
    operationId: 'processorTransactionsSync',
    summary: 'Get transaction updates',
    description:
      "Pages of added/modified/removed transactions, as Plaid's /processor/transactions/sync; cursors pass through untouched. On TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION restart from the first cursor of the update.",
    request: processorTransactionsSyncRequestSchema,
    response: processorTransactionsSyncResponseSchema,
    idempotent: true,
  },
];
