import { z } from '@hono/zod-openapi';
import { accountBaseSchema, processorNumberSchema } from './account';
import { plaidRequest, processorTokenSchema, productSchema, requestIdSchema } from './common';

/** /processor/auth/get, /processor/balance/get and the token-management endpoints. */

export const processorAuthGetRequestSchema = plaidRequest({ processor_token: processorTokenSchema }).openapi(
  'ProcessorAuthGetRequest',
);

export const processorAuthGetResponseSchema = z
  .looseObject({ request_id: requestIdSchema, numbers: processorNumberSchema, account: accountBaseSchema })
  .openapi('ProcessorAuthGetResponse');

export const processorBalanceGetRequestSchema = plaidRequest({
  processor_token: processorTokenSchema,
  options: z
    .strictObject({
      min_last_updated_datetime: z.iso.datetime({ offset: true }).optional().openapi({
        description: 'Oldest acceptable balance (only used, and then required, for Capital One ins_128026).',
      }),
    })
    .optional(),
}).openapi('ProcessorBalanceGetRequest');

export type ProcessorBalanceGetRequest = z.infer<typeof processorBalanceGetRequestSchema>;

export const processorBalanceGetResponseSchema = z
  .looseObject({ account: accountBaseSchema, request_id: requestIdSchema })
  .openapi('ProcessorBalanceGetResponse');

export const processorTokenPermissionsSetRequestSchema = plaidRequest({
  processor_token: processorTokenSchema,
  products: z.array(productSchema).openapi({ description: 'Products the processor may use; [] means every product.' }),
}).openapi('ProcessorTokenPermissionsSetRequest');

export const processorTokenPermissionsSetResponseSchema = z
  .looseObject({ request_id: requestIdSchema })
  .openapi('ProcessorTokenPermissionsSetResponse');

export const processorTokenPermissionsGetRequestSchema = plaidRequest({ processor_token: processorTokenSchema }).openapi(
  'ProcessorTokenPermissionsGetRequest',
);

export const processorTokenPermissionsGetResponseSchema = z
  .looseObject({ request_id: requestIdSchema, products: z.array(productSchema) })
  .openapi('ProcessorTokenPermissionsGetResponse');

export const processorTokenWebhookUpdateRequestSchema = plaidRequest({
  processor_token: processorTokenSchema,
  // Required but nullable, as Plaid documents it: null removes the webhook.
  webhook: z.url({ protocol: /^https?$/ }).nullable().openapi({ description: 'The new webhook URL, or null to remove it.' }),
}).openapi('ProcessorTokenWebhookUpdateRequest');

export const processorTokenWebhookUpdateResponseSchema = z
  .looseObject({ request_id: requestIdSchema })
  .openapi('ProcessorTokenWebhookUpdateResponse');
