import { z } from '@hono/zod-openapi';
import { plaidRequest, requestIdSchema } from './common';

/** /sandbox/processor_token/create. */

export const sandboxProcessorTokenCreateRequestSchema = plaidRequest({
  institution_id: z.string().openapi({ example: 'ins_109508' }),
  options: z
    .strictObject({
      override_username: z.string().nullish().openapi({ description: 'Default user_good.' }),
      override_password: z.string().nullish().openapi({ description: 'Default pass_good; error_<CODE> simulates an Item error.' }),
    })
    .optional(),
}).openapi('SandboxProcessorTokenCreateRequest');

export type SandboxProcessorTokenCreateRequest = z.infer<typeof sandboxProcessorTokenCreateRequestSchema>;

export const sandboxProcessorTokenCreateResponseSchema = z
  .looseObject({ processor_token: z.string(), request_id: requestIdSchema })
  .openapi('SandboxProcessorTokenCreateResponse');
