import type { Context } from 'hono';
import type { AppEnv } from '../../context';
import { createRoute, z } from '@hono/zod-openapi';
import { auditedChange } from '../../audit/middleware';
import { requireClient } from '../../auth/credentials';
import { createRouter } from '../../lib/create-router';
import { jsonRequest, plaidResponses } from '../../lib/openapi';
import {
  plaidRequest,
  processorTokenPermissionsGetRequestSchema,
  processorTokenPermissionsGetResponseSchema,
  processorTokenPermissionsSetRequestSchema,
  processorTokenPermissionsSetResponseSchema,
  processorTokenSchema,
  productSchema,
  requestIdSchema,
} from '../../plaid/schemas';
import { productAwareHook } from '../../tenancy/schemas';
import {
  getTokenPermissions,
  importToken,
  revokeToken,
  setTokenPermissions,
} from '../../tenancy/vault';

/**
 * Fintech API: token hand-over and token management, authenticated Plaid-style
 * with the fintech's gateway client_id/secret (headers or body). Every call
 * answers 200 with a request_id; errors are Plaid's. A fintech manages only the
 * tokens it imported (anything else: INVALID_PROCESSOR_TOKEN).
 *
 * Permission-set changes are enforced by the gateway and are not forwarded to
 * Plaid. Webhooks (set at import, or with /processor/token/webhook/update by
 * either party) are in src/routes/webhooks/.
 */

const tags = ['Fintech'];
/**
 * Each change commits together with its audit record. Not an import with a
 * webhook: registering it with Plaid makes Plaid call the gateway back, which
 * must see the new token and destination before this request ends.
 */
const middleware = [
  requireClient('fintech'),
  auditedChange({
    unless: async (c) => ((await (c.req.bodyCache.json ?? Promise.resolve(undefined))) as { webhook?: unknown } | undefined)?.webhook != null,
  }),
];

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

const ERRORS =
  "INVALID_REQUEST codes, INVALID_API_KEYS, INVALID_PROCESSOR_TOKEN (unknown, malformed, revoked or another fintech's token), INVALID_PRODUCT";
const body = jsonRequest;
const ok = <T extends z.ZodType>(description: string, schema: T) => plaidResponses(description, schema, ERRORS);

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

const permissionsSet = createRoute({
  method: 'post',
  path: '/processor/token/permissions/set',
  tags,
  middleware,
  summary: "Set a token's permission set",
  description: "Plaid semantics: `products: []` means every product. Enforced by the gateway; not forwarded to Plaid.",
  request: body(processorTokenPermissionsSetRequestSchema),
  responses: ok('Saved', processorTokenPermissionsSetResponseSchema),
});

const permissionsGet = createRoute({
  method: 'post',
  path: '/processor/token/permissions/get',
  tags,
  middleware,
  summary: "Get a token's permission set",
  request: body(processorTokenPermissionsGetRequestSchema),
  responses: ok('The permission set ([] = every product)', processorTokenPermissionsGetResponseSchema),
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

function fintechId(c: Pick<Context<AppEnv>, 'get'>): string {
  const principal = c.get('principal');
  // requireClient('fintech') ran first; anything else is a wiring bug.
  if (principal?.kind !== 'fintech' || !principal.id) throw new Error('fintech principal missing');
  return principal.id;
}

export const fintechRoutes = createRouter()
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
  .openapi(
    permissionsSet,
    async (c) => {
      const input = c.req.valid('json');
      c.get('audit').action = 'token.permissions_set';
      const token = await setTokenPermissions(c.get('deps'), fintechId(c), input.processor_token, input.products);
      Object.assign(c.get('audit'), {
        tokenId: token.tokenId,
        partnerId: token.partnerId,
        details: { products: token.products },
      });
      return c.json({ request_id: c.get('requestId') }, 200);
    },
    productAwareHook,
  )
  .openapi(permissionsGet, async (c) => {
    const input = c.req.valid('json');
    c.get('audit').action = 'token.permissions_get';
    const token = await getTokenPermissions(c.get('deps').db, fintechId(c), input.processor_token);
    Object.assign(c.get('audit'), { tokenId: token.tokenId, partnerId: token.partnerId });
    return c.json({ products: token.products as z.infer<typeof productSchema>[], request_id: c.get('requestId') }, 200);
  })
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
