import { createRoute } from '@hono/zod-openapi';
import { createRouter } from '../../lib/create-router';
import { createAuditor, getAuditor, listAuditors, rotateAuditorKey, updateAuditor } from '../../tenancy/auditors';
import {
  AuditorIdParam,
  AuditorList,
  AuditorResponse,
  AuditorWithKeyResponse,
  CreateAuditorBody,
  EmptyBody,
  errorResponses,
  jsonBody,
  jsonContent,
  UpdateAuditorBody,
} from './schemas';

const tags = ['Operator: auditors'];
const security = [{ bearer: [] }];

const create = createRoute({
  method: 'post',
  path: '/admin/auditors',
  tags,
  security,
  summary: 'Create an auditor',
  description: 'Answers the bearer `key` for /audit*; shown only here. With `partner_id` the auditor sees only that partner.',
  request: jsonBody(CreateAuditorBody),
  responses: { 201: jsonContent('The auditor, with its one-time key', AuditorWithKeyResponse), ...errorResponses },
});

const list = createRoute({
  method: 'get',
  path: '/admin/auditors',
  tags,
  security,
  summary: 'List auditors',
  responses: { 200: jsonContent('Every auditor (no keys)', AuditorList), ...errorResponses },
});

const get = createRoute({
  method: 'get',
  path: '/admin/auditors/{auditor_id}',
  tags,
  security,
  summary: 'Get an auditor',
  request: { params: AuditorIdParam },
  responses: { 200: jsonContent('The auditor (no key)', AuditorResponse), ...errorResponses },
});

const update = createRoute({
  method: 'patch',
  path: '/admin/auditors/{auditor_id}',
  tags,
  security,
  summary: 'Update an auditor',
  description: 'Changes `name`, `partner_id` (null: every partner) or `disabled`.',
  request: { params: AuditorIdParam, ...jsonBody(UpdateAuditorBody) },
  responses: { 200: jsonContent('The updated auditor', AuditorResponse), ...errorResponses },
});

const rotate = createRoute({
  method: 'post',
  path: '/admin/auditors/{auditor_id}/rotate_secret',
  tags,
  security,
  summary: "Rotate an auditor's key",
  description: 'The old key stops working at once; the new one is shown only here.',
  request: { params: AuditorIdParam, ...jsonBody(EmptyBody) },
  responses: { 200: jsonContent('The auditor, with its new key', AuditorWithKeyResponse), ...errorResponses },
});

export const auditorAdminRoutes = createRouter()
  .openapi(create, async (c) => {
    const body = c.req.valid('json');
    const auditor = await createAuditor(c.get('deps'), body);
    Object.assign(c.get('audit'), {
      action: 'auditor.create',
      partnerId: auditor.partner_id,
      details: { auditor_id: auditor.auditor_id, fields: Object.keys(body) },
    });
    return c.json({ ...auditor, request_id: c.get('requestId') }, 201);
  })
  .openapi(list, async (c) => {
    c.get('audit').action = 'auditor.list';
    const auditors = await listAuditors(c.get('deps').db);
    return c.json({ auditors, request_id: c.get('requestId') }, 200);
  })
  .openapi(get, async (c) => {
    const { auditor_id } = c.req.valid('param');
    Object.assign(c.get('audit'), { action: 'auditor.get', details: { auditor_id } });
    const auditor = await getAuditor(c.get('deps').db, auditor_id);
    return c.json({ ...auditor, request_id: c.get('requestId') }, 200);
  })
  .openapi(update, async (c) => {
    const { auditor_id } = c.req.valid('param');
    const body = c.req.valid('json');
    Object.assign(c.get('audit'), { action: 'auditor.update', details: { auditor_id } });
    const { auditor, changed } = await updateAuditor(c.get('deps'), auditor_id, body);
    Object.assign(c.get('audit'), { partnerId: auditor.partner_id, details: { auditor_id, changed } });
    return c.json({ ...auditor, request_id: c.get('requestId') }, 200);
  })
  .openapi(rotate, async (c) => {
    const { auditor_id } = c.req.valid('param');
    Object.assign(c.get('audit'), { action: 'auditor.rotate_secret', details: { auditor_id, changed: ['key'] } });
    const auditor = await rotateAuditorKey(c.get('deps'), auditor_id);
    c.get('audit').partnerId = auditor.partner_id;
    return c.json({ ...auditor, request_id: c.get('requestId') }, 200);
  });
