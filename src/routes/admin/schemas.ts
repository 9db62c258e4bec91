import { z } from '@hono/zod-openapi';
import { plaidErrorResponse } from '../../lib/openapi';
import { requestIdSchema } from '../../plaid/schemas';
import { nameSchema, processorSchema, productCapSchema, rateLimitsSchema } from '../../tenancy/schemas';

/** Request and response schemas of the operator API (/admin/*). Requests are strict. */

const id = (name: string, example: string) =>
  z.string().min(1).max(100).openapi({ param: { name, in: 'path' }, example });

export const PartnerIdParam = z.object({ partner_id: id('partner_id', 'ptn_7k2m0x9q4c1v8b5n3z6a') });
export const FintechIdParam = z.object({ fintech_id: id('fintech_id', 'ftc_1b2c3d4e5f6g7h8i9j0k') });
export const AuditorIdParam = z.object({ auditor_id: id('auditor_id', 'aud_0a9b8c7d6e5f4g3h2i1j') });

const timestamps = {
  created_at: z.string().openapi({ example: '2024-07-29T12:00:00.000Z' }),
  updated_at: z.string().openapi({ example: '2024-07-29T12:00:00.000Z' }),
};

const RateLimitRuleView = z.object({ limit: z.number().int(), window_seconds: z.number().int() });
const RateLimitsView = z
  .object({
    partner: z.record(z.string(), RateLimitRuleView).optional(),
    token: z.record(z.string(), RateLimitRuleView).optional(),
  })
  .openapi({ description: 'Overrides of the default limits; {} = defaults everywhere.' });

// --- partners ---------------------------------------------------------------

export const CreatePartnerBody = z
  .strictObject({
    name: nameSchema.openapi({ example: 'Dwolla' }),
    processor: processorSchema,
    plaid: z
      .strictObject({
        client_id: z.string().min(1).max(200).openapi({ description: "The partner's Plaid client_id." }),
        secret: z.string().min(1).max(500).openapi({ description: "The partner's Plaid secret (sealed at rest, never shown again)." }),
      })
      .openapi({ description: "The partner's own Plaid keys, used for its upstream calls." }),
    products: productCapSchema.optional(),
    rate_limits: rateLimitsSchema.optional(),
  })
  .openapi('CreatePartnerRequest');

export const UpdatePartnerBody = z
  .strictObject({
    name: nameSchema.optional(),
    products: productCapSchema.optional(),
    rate_limits: rateLimitsSchema.optional().openapi({ description: 'Replaces the whole rate-limit object ({} = defaults).' }),
    disabled: z.boolean().optional(),
    plaid: z
      .strictObject({
        client_id: z.string().min(1).max(200).optional(),
        secret: z.string().min(1).max(500).optional(),
      })
      .optional()
      .openapi({ description: 'New Plaid keys (either or both).' }),
  })
  .openapi('UpdatePartnerRequest');

export const Partner = z
  .object({
    partner_id: z.string(),
    name: z.string(),
    processor: z.string(),
    client_id: z.string().openapi({ description: 'Gateway client_id the partner authenticates with.' }),
    plaid: z.object({ client_id: z.string() }).openapi({ description: 'The Plaid secret is never shown.' }),
    products: z.array(z.string()).openapi({ description: 'Products this partner may ever use.' }),
    rate_limits: RateLimitsView,
    disabled: z.boolean(),
    ...timestamps,
  })
  .openapi('Partner');

export const PartnerWithSecret = Partner.extend({
  secret: z.string().openapi({ description: 'Gateway secret: shown only in this answer.' }),
}).openapi('PartnerWithSecret');

export const PartnerResponse = Partner.extend({ request_id: requestIdSchema });
export const PartnerWithSecretResponse = PartnerWithSecret.extend({ request_id: requestIdSchema });
export const PartnerList = z.object({ partners: z.array(Partner), request_id: requestIdSchema }).openapi('PartnerList');

// --- fintechs ---------------------------------------------------------------

export const CreateFintechBody = z.strictObject({ name: nameSchema.openapi({ example: 'Acme Pay' }) }).openapi('CreateFintechRequest');

export const UpdateFintechBody = z
  .strictObject({ name: nameSchema.optional(), disabled: z.boolean().optional() })
  .openapi('UpdateFintechRequest');

export const Fintech = z
  .object({
    fintech_id: z.string(),
    name: z.string(),
    client_id: z.string(),
    disabled: z.boolean(),
    ...timestamps,
  })
  .openapi('Fintech');

export const FintechWithSecretResponse = Fintech.extend({ secret: z.string(), request_id: requestIdSchema }).openapi(
  'FintechWithSecret',
);
export const FintechResponse = Fintech.extend({ request_id: requestIdSchema });
export const FintechList = z.object({ fintechs: z.array(Fintech), request_id: requestIdSchema }).openapi('FintechList');

// --- auditors ---------------------------------------------------------------

export const CreateAuditorBody = z
  .strictObject({
    name: nameSchema.openapi({ example: 'Compliance team' }),
    partner_id: z.string().min(1).max(100).nullable().optional().openapi({
      description: 'Scope the auditor to this partner; omitted or null: every partner.',
    }),
  })
  .openapi('CreateAuditorRequest');

export const UpdateAuditorBody = z
  .strictObject({
    name: nameSchema.optional(),
    partner_id: z.string().min(1).max(100).nullable().optional(),
    disabled: z.boolean().optional(),
  })
  .openapi('UpdateAuditorRequest');

export const Auditor = z
  .object({
    auditor_id: z.string(),
    name: z.string(),
    partner_id: z.string().nullable(),
    disabled: z.boolean(),
    ...timestamps,
  })
  .openapi('Auditor');

export const AuditorWithKeyResponse = Auditor.extend({
  key: z.string().openapi({ description: 'Bearer key for /audit*: shown only in this answer.' }),
  request_id: requestIdSchema,
}).openapi('AuditorWithKey');
export const AuditorResponse = Auditor.extend({ request_id: requestIdSchema });
export const AuditorList = z.object({ auditors: z.array(Auditor), request_id: requestIdSchema }).openapi('AuditorList');

// --- shared -----------------------------------------------------------------

export const errorResponses = plaidErrorResponse(
  'INVALID_REQUEST codes for bad bodies, NOT_FOUND for an unknown id, INVALID_PRODUCT, INVALID_API_KEYS for a wrong operator key',
);

export { jsonRequest as jsonBody, jsonResponse as jsonContent } from '../../lib/openapi';

/** Body of the rotate_secret calls: an empty JSON object (`{}`). */
export const EmptyBody = z.strictObject({}).openapi('EmptyRequest', { description: 'Send `{}`.' });
