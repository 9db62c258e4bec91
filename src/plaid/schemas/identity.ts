import { z } from '@hono/zod-openapi';
import { accountIdentityMatchScoreSchema, accountIdentitySchema } from './account';
import { plaidRequest, processorTokenSchema, requestIdSchema, userAddressSchema } from './common';

/** /processor/identity/get and /processor/identity/match. */

export const processorIdentityGetRequestSchema = plaidRequest({ processor_token: processorTokenSchema }).openapi(
  'ProcessorIdentityGetRequest',
);

export const processorIdentityGetResponseSchema = z
  .looseObject({ account: accountIdentitySchema, request_id: requestIdSchema })
  .openapi('ProcessorIdentityGetResponse');

export const identityMatchUserSchema = z
  .strictObject({
    legal_name: z.string().nullish().openapi({ example: 'Jane Doe' }),
    phone_number: z.string().nullish().openapi({ description: 'E.164 format, e.g. +14155552671.' }),
    email_address: z.string().nullish(),
    address: userAddressSchema.nullish(),
  })
  .openapi('IdentityMatchUser');

export type IdentityMatchUser = z.infer<typeof identityMatchUserSchema>;

export const processorIdentityMatchRequestSchema = plaidRequest({
  processor_token: processorTokenSchema,
  user: identityMatchUserSchema.optional(),
}).openapi('ProcessorIdentityMatchRequest');

export type ProcessorIdentityMatchRequest = z.infer<typeof processorIdentityMatchRequestSchema>;

export const processorIdentityMatchResponseSchema = z
  .looseObject({ account: accountIdentityMatchScoreSchema, request_id: requestIdSchema })
  .openapi('ProcessorIdentityMatchResponse');
