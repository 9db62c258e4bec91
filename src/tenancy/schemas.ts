import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { PlaidError, errors } from '../plaid/errors';
import { PARTNER_ENDPOINTS, productSchema, type PartnerProduct } from '../plaid/schemas';
import { plaidErrorFromZod } from '../plaid/validation';

/**
 * Domain schemas of tenancy (partners, fintechs, auditors, tokens), shared by
 * the operator API, the fintech API and the CLI so that each input is checked
 * the same way whichever door it comes in by.
 */

/**
 * Plaid's `processor` values for /processor/token/create: the 38 of the 2023
 * processor page (its list of processor values) united with the newer
 * enum of the 2020-09-14 OpenAPI spec (`ProcessorTokenCreateRequest.processor`).
 * The spec dropped `prime_trust`, which the 2023 page still lists; both are kept.
 */
export const PLAID_PROCESSORS = [
  'dwolla', 'galileo', 'modern_treasury', 'ocrolus', 'prime_trust', 'vesta', 'drivewealth', 'vopay', 'achq',
  'check', 'checkbook', 'circle', 'sila_money', 'rize', 'svb_api', 'unit', 'wyre', 'lithic', 'alpaca', 'astra',
  'moov', 'treasury_prime', 'marqeta', 'checkout', 'solid', 'highnote', 'gemini', 'apex_clearing', 'gusto',
  'adyen', 'atomic', 'i2c', 'wepay', 'riskified', 'utb', 'adp_roll', 'fortress_trust', 'bond',
  // Newer values (OpenAPI spec 2020-09-14, current edition).
  'bakkt', 'teal', 'zero_hash', 'taba_pay', 'knot', 'sardine', 'alloy', 'finix', 'nuvei', 'layer', 'boom',
  'paynote', 'stake', 'wedbush', 'esusu', 'ansa', 'scribeup', 'straddle', 'loanpro', 'bloom_credit', 'sfox',
  'brale', 'parafin', 'cardless', 'open_ledger', 'valon', 'gainbridge', 'cardlytics', 'pinwheel', 'thread_bank',
  'array', 'fiant', 'oatfi', 'curinos', 'frame', 'interchecks', 'interchange', 'atomicfi',
] as const;

export type PlaidProcessor = (typeof PLAID_PROCESSORS)[number];

export const processorSchema = z.enum(PLAID_PROCESSORS).openapi('PlaidProcessor', {
  description: "One of Plaid's `processor` values (as for /processor/token/create).",
  example: 'dwolla',
});

/** The products a new partner may use when the operator names none: the five the gateway proxies. */
export const DEFAULT_PARTNER_PRODUCTS: PartnerProduct[] = ['auth', 'balance', 'identity', 'signal', 'transactions'];

export const PARTNER_PATHS = PARTNER_ENDPOINTS.map((e) => e.path);

const rateLimitRuleSchema = z
  .strictObject({
    limit: z.number().int().min(1).max(1_000_000_000).openapi({ example: 500 }),
    window_seconds: z.number().int().min(1).max(86_400).openapi({ example: 60 }),
  })
  .openapi('RateLimitRule');

/** `{ "/processor/auth/get": { limit, window_seconds }, ... }`: only the seven partner paths. */
const rateLimitRulesSchema = z
  .strictObject(
    Object.fromEntries(PARTNER_PATHS.map((path) => [path, rateLimitRuleSchema.optional()])) as Record<
      (typeof PARTNER_PATHS)[number],
      z.ZodOptional<typeof rateLimitRuleSchema>
    >,
  )
  .openapi('RateLimitRules', {
    description: 'Per-path overrides of the default limits; keys are partner endpoint paths.',
  });

export const rateLimitsSchema = z
  .strictObject({
    partner: rateLimitRulesSchema.optional().openapi({ description: 'Limits over all of the partner\'s calls.' }),
    token: rateLimitRulesSchema.optional().openapi({ description: 'Limits per gateway token.' }),
  })
  .openapi('RateLimits', {
    description: 'Each entry replaces the default limit for that path.',
    example: { partner: { '/processor/auth/get': { limit: 500, window_seconds: 60 } } },
  });

export type RateLimitsInput = z.infer<typeof rateLimitsSchema>;

/** A product list as a set: at least one product, duplicates folded by the services. */
export const productCapSchema = z.array(productSchema).min(1).openapi({
  description: 'Products this partner may ever use (default: auth, balance, identity, signal, transactions).',
});

export const nameSchema = z.string().trim().min(1).max(200);

/** Removes duplicates, keeping first occurrences in order. */
export function uniqueList<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/**
 * Validation hook for routes taking `products`: an unknown product name answers
 * Plaid's INVALID_PRODUCT (as /processor/token/permissions/set does), every
 * other problem the usual INVALID_REQUEST code.
 */
export function productAwareHook<T>(
  result: { success: true; data: T } | { success: false; error: z.ZodError },
  _c: Context,
): undefined {
  if (result.success) return undefined;
  throw validationError(result.error, (result as { data?: unknown }).data);
}

/** The Plaid error for a failed parse of `input` (INVALID_PRODUCT for unknown product names). */
export function validationError(error: z.ZodError, input: unknown): PlaidError {
  const plaidError = plaidErrorFromZod(error, input);
  if (
    plaidError.code === 'INVALID_FIELD' &&
    error.issues.some((issue) => issue.path[0] === 'products' && issue.path.length === 2 && issue.code === 'invalid_value')
  ) {
    return errors.invalidProduct();
  }
  return plaidError;
}
