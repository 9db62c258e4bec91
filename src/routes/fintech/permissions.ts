import { createRoute, type z } from '@hono/zod-openapi';
import { createRouter } from '../../lib/create-router';
import {
  processorTokenPermissionsGetRequestSchema,
  processorTokenPermissionsGetResponseSchema,
  processorTokenPermissionsSetRequestSchema,
  processorTokenPermissionsSetResponseSchema,
  productSchema,
} from '../../plaid/schemas';
import { productAwareHook } from '../../tenancy/schemas';
import { getTokenPermissions, setTokenPermissions } from '../../tenancy/vault';
import { body, fintechId, middleware, ok, tags } from './shared';

/** A token's permission set, as Plaid's /processor/token/permissions/set|get. */

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

export const permissionRoutes = createRouter()
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
  });
