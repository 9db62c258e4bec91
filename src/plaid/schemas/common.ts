import { z } from '@hono/zod-openapi';

/**
 * Building blocks shared by every Plaid request/response schema.
 *
 * Requests are strict (Plaid answers UNKNOWN_FIELDS for fields it does not know;
 * the router hook turns zod's `unrecognized_keys` into that error). Responses are
 * loose: Plaid adds fields over time and we pass upstream bodies through.
 */

/** Plaid keys, accepted in the body as an alternative to the PLAID-CLIENT-ID / PLAID-SECRET headers. */
export const plaidCredentialFields = {
  client_id: z.string().optional().openapi({ description: 'Your client_id (or send the PLAID-CLIENT-ID header).' }),
  secret: z.string().optional().openapi({ description: 'Your secret (or send the PLAID-SECRET header).' }),
};

/**
 * A Plaid request object: the given fields plus optional `client_id`/`secret`,
 * rejecting unknown fields (nested objects should use `z.strictObject` too).
 */
export function plaidRequest<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.strictObject({ ...plaidCredentialFields, ...shape });
}

/**
 * A processor token as sent by clients. Deliberately only "a non-empty string":
 * Plaid answers a malformed or unknown token with INVALID_PROCESSOR_TOKEN, not a
 * field-validation error, so format checks belong to whoever resolves the token
 * (the emulator, or the gateway for its own tokens).
 */
export const processorTokenSchema = z
  .string()
  .openapi('ProcessorToken', {
    description: 'The processor token obtained from the fintech (format `processor-<environment>-<identifier>`).',
    example: 'processor-sandbox-0asd1-a92nc',
  });

/** Plaid's processor token format for tokens Plaid itself issues: `processor-<env>-<uuid>`. */
export const PLAID_PROCESSOR_TOKEN_PATTERN =
  /^processor-(sandbox|development|production)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const requestIdSchema = z
  .string()
  .openapi('RequestID', { description: 'A unique identifier for the request, for troubleshooting.', example: 'm8MDnv9okwxFNBV' });

/**
 * Product names accepted by /processor/token/permissions/set (the 2020-09-14
 * OpenAPI spec's `Products` enum: a superset of the 19 values listed on the 2023
 * processor page, and it includes `identity_match`).
 */
export const PRODUCTS = [
  'assets',
  'auth',
  'balance',
  'balance_plus',
  'beacon',
  'identity',
  'identity_match',
  'investments',
  'investments_auth',
  'liabilities',
  'payment_initiation',
  'identity_verification',
  'transactions',
  'credit_details',
  'income',
  'income_verification',
  'standing_orders',
  'transfer',
  'employment',
  'recurring_transactions',
  'transactions_refresh',
  'signal',
  'statements',
  'processor_payments',
  'processor_identity',
  'profile',
  'cra_base_report',
  'cra_income_insights',
  'cra_partner_insights',
  'cra_network_insights',
  'cra_cashflow_insights',
  'cra_monitoring',
  'cra_lend_score',
  'cra_plaid_credit_score',
  'layer',
  'pay_by_bank',
  'protect_linked_bank',
  'protect_transactions',
] as const;

export type Product = (typeof PRODUCTS)[number];

export const productSchema = z.enum(PRODUCTS).openapi('Products', { description: 'A Plaid product.' });

/** Plaid's error object (every error body, and the `error` field of some webhooks). */
export const plaidErrorSchema = z
  .looseObject({
    error_type: z.string().openapi({
      description: 'A broad categorization of the error (INVALID_REQUEST, INVALID_INPUT, ITEM_ERROR, RATE_LIMIT_EXCEEDED, API_ERROR, ...).',
      example: 'INVALID_INPUT',
    }),
    error_code: z.string().openapi({ description: 'The particular error code.', example: 'INVALID_PROCESSOR_TOKEN' }),
    error_code_reason: z.string().nullable().optional(),
    error_message: z.string().openapi({ description: 'A developer-friendly representation of the error.' }),
    display_message: z.string().nullable().openapi({ description: 'A user-friendly representation of the error, or null.' }),
    request_id: z.string().optional(),
    causes: z.array(z.unknown()).optional(),
    status: z.number().int().nullable().optional(),
    documentation_url: z.string().optional(),
    suggested_action: z.string().nullable().optional(),
  })
  .openapi('PlaidError', { description: "Plaid's error object." });

export type PlaidErrorObject = z.infer<typeof plaidErrorSchema>;

/** The shape every response with nothing else to say has. */
export const requestIdOnlyResponseSchema = z.looseObject({ request_id: requestIdSchema });

/** A user's address as partners send it (identity match, signal evaluate). */
export const userAddressSchema = z
  .strictObject({
    city: z.string().nullish(),
    region: z.string().nullish(),
    street: z.string().nullish(),
    postal_code: z.string().nullish(),
    country: z.string().nullish(),
  })
  .openapi('UserAddress');
