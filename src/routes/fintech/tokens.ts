import { createRoute, z } from '@hono/zod-openapi';
import { createRouter } from '../../lib/create-router';
import { plaidRequest, processorTokenSchema, productSchema, requestIdSchema } from '../../plaid/schemas';
import { productAwareHook } from '../../tenancy/schemas';
import { importToken, revokeToken } from '../../tenancy/vault';
import { body, fintechId, middleware, ok, tags } from './shared';

/** Token hand-over: import a raw Plaid token for a partner, revoke a gateway token. */

export const ImportRequest = plaidRequest({
  processor_token: processorTokenSchema.openapi({
    description: 'The raw Plaid processor token (`processor-<environment>-<identifier>`), sealed at rest and never returned.',
  }),
  partner_id: z.string().min(1).max(100).openapi({ description: 'The partner the token is for.', example: 'ptn_7k2m0x9q4c1v8b5n3z6a' }),
  products: z
    .array(productSchema)
    .optional()
    .openapi({ description: 'Initial permission set; omitted or [] means every product (Plaid semantics).' }),
  webhook: z
    .url({ protocol: /^https?$/ })
    .nullable()
    .optional()
    .openapi({ description: "The fintech's webhook destination for the token (as /processor/token/webhook/update)." }),
}).openapi('GatewayProcessorTokenImportRequest');

export const ImportResponse = z
  .object({
    processor_token: z.string().openapi({
      description: 'The gateway token to hand to the partner (`processor-gw-…`, 256 random bits).',
      example: 'processor-gw-3q2-7wZJ0kSg2nC8YpVxQ1m0bT5rA9eLhK4uD6fN1cI',
    }),
    webhook_secret: z.string().optional().openapi({
      description: 'With `webhook`: the destination\'s signing secret, answered once (see /processor/token/webhook/update).',
    }),
    request_id: requestIdSchema,
  })
  .openapi('GatewayProcessorTokenImportResponse');

export const RevokeRequest = plaidRequest({ processor_token: processorTokenSchema }).openapi(
  'GatewayProcessorTokenRevokeRequest',
);
export const RevokeResponse = z.object({ request_id: requestIdSchema }).openapi('GatewayProcessorTokenRevokeResponse');

const importRoute = createRoute({
  method: 'post',
  path: '/gateway/processor_token/import',
  tags,
  middleware,
  summary: 'Import a Plaid processor token for a partner',
  description:
    'Seals the raw Plaid token and answers a new gateway token for the partner. Importing the same raw token twice gives two independent gateway tokens.',
  request: body(ImportRequest),
  responses: ok('The gateway token', ImportResponse),
});

const revokeRoute = createRoute({
  method: 'post',
  path: '/gateway/processor_token/revoke',
  tags,
  middleware,
  summary: 'Revoke a gateway token',
  description: 'Later partner calls with it answer INVALID_PROCESSOR_TOKEN. Revoking twice succeeds (idempotent).',
  request: body(RevokeRequest),
  responses: ok('Revoked', RevokeResponse),
});

export const tokenRoutes = createRouter()
  .openapi(
    importRoute,
    async (c) => {
      const input = c.req.valid('json');
      c.get('audit').action = 'token.import';
      const imported = await importToken(c.get('deps'), {
        fintechId: fintechId(c),
        rawToken: input.processor_token,
        partnerId: input.partner_id,
        products: input.products,
        webhook: input.webhook,
      });
      Object.assign(c.get('audit'), {
        tokenId: imported.tokenId,
        partnerId: imported.partnerId,
        details: { products: imported.products, webhook: input.webhook != null },
      });
      return c.json(
        {
          processor_token: imported.gatewayToken,
          ...(imported.webhookSecret ? { webhook_secret: imported.webhookSecret } : {}),
          request_id: c.get('requestId'),
        },
        200,
      );
    },
    productAwareHook,
  )
  .openapi(revokeRoute, async (c) => {
    const input = c.req.valid('json');
    c.get('audit').action = 'token.revoke';
    const token = await revokeToken(c.get('deps'), fintechId(c), input.processor_token);
    Object.assign(c.get('audit'), {
      tokenId: token.tokenId,
      partnerId: token.partnerId,
      details: { already_revoked: token.alreadyRevoked },
    });
    return c.json({ request_id: c.get('requestId') }, 200);
  });
