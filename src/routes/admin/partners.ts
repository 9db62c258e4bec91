import { createRoute } from '@hono/zod-openapi';
import { createRouter } from '../../lib/create-router';
import {
  createPartner,
  getPartner,
  listPartners,
  rotatePartnerSecret,
  updatePartner,
} from '../../tenancy/partners';
import { productAwareHook } from '../../tenancy/schemas';
import {
  CreatePartnerBody,
  EmptyBody,
  errorResponses,
  jsonBody,
  jsonContent,
  PartnerIdParam,
  PartnerList,
  PartnerResponse,
  PartnerWithSecretResponse,
  UpdatePartnerBody,
} from './schemas';

const tags = ['Operator: partners'];
const security = [{ bearer: [] }];

const create = createRoute({
  method: 'post',
  path: '/admin/partners',
  tags,
  security,
  summary: 'Create a payment partner',
  description: 'Answers the gateway `client_id` and `secret` the partner calls with; the secret is shown only here.',
  request: jsonBody(CreatePartnerBody),
  responses: { 201: jsonContent('The partner, with its one-time secret', PartnerWithSecretResponse), ...errorResponses },
});

const list = createRoute({
  method: 'get',
  path: '/admin/partners',
  tags,
  security,
  summary: 'List partners',
  responses: { 200: jsonContent('Every partner (no secrets)', PartnerList), ...errorResponses },
});

const get = createRoute({
  method: 'get',
  path: '/admin/partners/{partner_id}',
  tags,
  security,
  summary: 'Get a partner',
  request: { params: PartnerIdParam },
  responses: { 200: jsonContent('The partner (no secrets)', PartnerResponse), ...errorResponses },
});

const update = createRoute({
  method: 'patch',
  path: '/admin/partners/{partner_id}',
  tags,
  security,
  summary: 'Update a partner',
  description:
    'Changes `products`, `rate_limits` (replaced whole), `disabled`, `name` or the Plaid keys. A disabled partner cannot authenticate and its tokens are refused.',
  request: { params: PartnerIdParam, ...jsonBody(UpdatePartnerBody) },
  responses: { 200: jsonContent('The updated partner', PartnerResponse), ...errorResponses },
});

const rotate = createRoute({
  method: 'post',
  path: '/admin/partners/{partner_id}/rotate_secret',
  tags,
  security,
  summary: "Rotate a partner's gateway secret",
  description: 'The old secret stops working at once; the new one is shown only here.',
  request: { params: PartnerIdParam, ...jsonBody(EmptyBody) },
  responses: { 200: jsonContent('The partner, with its new secret', PartnerWithSecretResponse), ...errorResponses },
});

export const partnerAdminRoutes = createRouter()
  .openapi(
    create,
    async (c) => {
      const body = c.req.valid('json');
      const partner = await createPartner(c.get('deps'), body);
      Object.assign(c.get('audit'), {
        action: 'partner.create',
        partnerId: partner.partner_id,
        details: { fields: presentFields(body) },
      });
      return c.json({ ...partner, request_id: c.get('requestId') }, 201);
    },
    productAwareHook,
  )
  .openapi(list, async (c) => {
    c.get('audit').action = 'partner.list';
    const partners = await listPartners(c.get('deps').db);
    return c.json({ partners, request_id: c.get('requestId') }, 200);
  })
  .openapi(get, async (c) => {
    const { partner_id } = c.req.valid('param');
    Object.assign(c.get('audit'), { action: 'partner.get', partnerId: partner_id });
    const partner = await getPartner(c.get('deps').db, partner_id);
    return c.json({ ...partner, request_id: c.get('requestId') }, 200);
  })
  .openapi(
    update,
    async (c) => {
      const { partner_id } = c.req.valid('param');
      const body = c.req.valid('json');
      Object.assign(c.get('audit'), { action: 'partner.update', partnerId: partner_id, details: { changed: presentFields(body) } });
      const { partner, changed } = await updatePartner(c.get('deps'), partner_id, body);
      c.get('audit').details = { changed };
      return c.json({ ...partner, request_id: c.get('requestId') }, 200);
    },
    productAwareHook,
  )
  .openapi(rotate, async (c) => {
    const { partner_id } = c.req.valid('param');
    Object.assign(c.get('audit'), { action: 'partner.rotate_secret', partnerId: partner_id, details: { changed: ['secret'] } });
    const partner = await rotatePartnerSecret(c.get('deps'), partner_id);
    return c.json({ ...partner, request_id: c.get('requestId') }, 200);
  });

/** Names of the (nested) fields present in a body, never their values: `plaid.secret`, `products`. */
export function presentFields(body: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (value === undefined) continue;
    if (key === 'plaid' && value && typeof value === 'object') {
      for (const [inner, v] of Object.entries(value)) if (v !== undefined) out.push(`plaid.${inner}`);
    } else {
      out.push(key);
    }
  }
  return out;
}
