import { createRoute } from '@hono/zod-openapi';
import { createRouter } from '../../lib/create-router';
import { createFintech, getFintech, listFintechs, rotateFintechSecret, updateFintech } from '../../tenancy/fintechs';
import {
  CreateFintechBody,
  EmptyBody,
  errorResponses,
  FintechIdParam,
  FintechList,
  FintechResponse,
  FintechWithSecretResponse,
  jsonBody,
  jsonContent,
  UpdateFintechBody,
} from './schemas';

const tags = ['Operator: fintechs'];
const security = [{ bearer: [] }];

const create = createRoute({
  method: 'post',
  path: '/admin/fintechs',
  tags,
  security,
  summary: 'Create a fintech',
  description: 'Answers the gateway `client_id` and `secret` the fintech calls with; the secret is shown only here.',
  request: jsonBody(CreateFintechBody),
  responses: { 201: jsonContent('The fintech, with its one-time secret', FintechWithSecretResponse), ...errorResponses },
});

const list = createRoute({
  method: 'get',
  path: '/admin/fintechs',
  tags,
  security,
  summary: 'List fintechs',
  responses: { 200: jsonContent('Every fintech (no secrets)', FintechList), ...errorResponses },
});

const get = createRoute({
  method: 'get',
  path: '/admin/fintechs/{fintech_id}',
  tags,
  security,
  summary: 'Get a fintech',
  request: { params: FintechIdParam },
  responses: { 200: jsonContent('The fintech (no secrets)', FintechResponse), ...errorResponses },
});

const update = createRoute({
  method: 'patch',
  path: '/admin/fintechs/{fintech_id}',
  tags,
  security,
  summary: 'Update a fintech',
  description: 'Changes `name` or `disabled`. A disabled fintech cannot authenticate; its tokens are not revoked.',
  request: { params: FintechIdParam, ...jsonBody(UpdateFintechBody) },
  responses: { 200: jsonContent('The updated fintech', FintechResponse), ...errorResponses },
});

const rotate = createRoute({
  method: 'post',
  path: '/admin/fintechs/{fintech_id}/rotate_secret',
  tags,
  security,
  summary: "Rotate a fintech's gateway secret",
  description: 'The old secret stops working at once; the new one is shown only here.',
  request: { params: FintechIdParam, ...jsonBody(EmptyBody) },
  responses: { 200: jsonContent('The fintech, with its new secret', FintechWithSecretResponse), ...errorResponses },
});

export const fintechAdminRoutes = createRouter()
  .openapi(create, async (c) => {
    const body = c.req.valid('json');
    const fintech = await createFintech(c.get('deps'), body);
    Object.assign(c.get('audit'), { action: 'fintech.create', fintechId: fintech.fintech_id, details: { fields: ['name'] } });
    return c.json({ ...fintech, request_id: c.get('requestId') }, 201);
  })
  .openapi(list, async (c) => {
    c.get('audit').action = 'fintech.list';
    const fintechs = await listFintechs(c.get('deps').db);
    return c.json({ fintechs, request_id: c.get('requestId') }, 200);
  })
  .openapi(get, async (c) => {
    const { fintech_id } = c.req.valid('param');
    Object.assign(c.get('audit'), { action: 'fintech.get', fintechId: fintech_id });
    const fintech = await getFintech(c.get('deps').db, fintech_id);
    return c.json({ ...fintech, request_id: c.get('requestId') }, 200);
  })
  .openapi(update, async (c) => {
    const { fintech_id } = c.req.valid('param');
    const body = c.req.valid('json');
    Object.assign(c.get('audit'), { action: 'fintech.update', fintechId: fintech_id });
    const { fintech, changed } = await updateFintech(c.get('deps'), fintech_id, body);
    c.get('audit').details = { changed };
    return c.json({ ...fintech, request_id: c.get('requestId') }, 200);
  })
  .openapi(rotate, async (c) => {
    const { fintech_id } = c.req.valid('param');
    Object.assign(c.get('audit'), { action: 'fintech.rotate_secret', fintechId: fintech_id, details: { changed: ['secret'] } });
    const fintech = await rotateFintechSecret(c.get('deps'), fintech_id);
    return c.json({ ...fintech, request_id: c.get('requestId') }, 200);
  });
