import type { z } from '@hono/zod-openapi';
import type { Product } from './common';
import { processorIdentityMatchRequestSchema, processorIdentityMatchResponseSchema } from './identity';
import {
  processorAuthGetRequestSchema,
  processorAuthGetResponseSchema,
  processorBalanceGetRequestSchema,
  processorBalanceGetResponseSchema,
} from './processor';
import {
  processorSignalDecisionReportRequestSchema,
  processorSignalDecisionReportResponseSchema,
  processorSignalEvaluateRequestSchema,
  processorSignalEvaluateResponseSchema,
  processorSignalReturnReportRequestSchema,
  processorSignalReturnReportResponseSchema,
} from './signal';
import { processorTransactionsSyncRequestSchema, processorTransactionsSyncResponseSchema } from './transactions';

/** What the gateway knows of a partner endpoint. */
export interface PartnerEndpointDefinition {
  path: string;
  /** The product a permission set must grant (identity match: `identity`, or its alias `identity_match`). */
  product: Product;
  operationId: string;
  summary: string;
  description: string;
  /** Plaid's request and response schemas (shared with the emulator). */
  request: z.ZodType;
  response: z.ZodType;
  /** false for the Signal reports: a lost answer is never retried upstream. */
  idempotent: boolean;
}

/**
 * The partner endpoints: the one table the partner routes, the rate-limit
 * defaults (keyed by PartnerPath, so a new path must be given its limits), the
 * admission and the OpenAPI document derive from. Adding an endpoint means an
 * entry here, its Plaid schemas and its emulator route.
 */
export const PARTNER_ENDPOINTS = [
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
] as const satisfies ReadonlyArray<PartnerEndpointDefinition>;

export type PartnerEndpoint = (typeof PARTNER_ENDPOINTS)[number];
export type PartnerPath = PartnerEndpoint['path'];
export type PartnerProduct = PartnerEndpoint['product'];

/** The table's row for one path (the emulator serves each partner endpoint from it). */
export function partnerEndpoint<P extends PartnerPath>(path: P): Extract<PartnerEndpoint, { path: P }> {
  return PARTNER_ENDPOINTS.find((endpoint) => endpoint.path === path) as Extract<PartnerEndpoint, { path: P }>;
}

/** Products that, when present in a permission set, also grant `product`. */
export const PRODUCT_ALIASES: Readonly<Partial<Record<Product, readonly Product[]>>> = {
  identity: ['identity_match'],
};

/**
 * Plaid's permission-set rule: an empty list means every product; otherwise the
 * product (or one of its aliases) must be listed.
 */
export function productAllowed(permissions: readonly string[], product: Product): boolean {
  if (permissions.length === 0) return true;
  if (permissions.includes(product)) return true;
  return (PRODUCT_ALIASES[product] ?? []).some((alias) => permissions.includes(alias));
}
