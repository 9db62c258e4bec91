import { createRoute, z } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import { createRouter } from '../lib/create-router';
import { errors } from '../plaid/errors';

const HealthResponse = z.object({ status: z.literal('ok'), request_id: z.string() }).openapi('Health');
const ReadyResponse = z
  .object({ status: z.literal('ready'), database: z.literal('ok'), request_id: z.string() })
  .openapi('Ready');

const health = createRoute({
  method: 'get',
  path: '/health',
  tags: ['Operations'],
  summary: 'Process is up',
  responses: { 200: { description: 'The process answers', content: { 'application/json': { schema: HealthResponse } } } },
});

const ready = createRoute({
  method: 'get',
  path: '/ready',
  tags: ['Operations'],
  summary: 'Database is reachable',
  responses: {
    200: { description: 'The database answers', content: { 'application/json': { schema: ReadyResponse } } },
  },
});

export const healthRoutes = createRouter()
  .openapi(health, (c) => c.json({ status: 'ok' as const, request_id: c.var.requestId }, 200))
  .openapi(ready, async (c) => {
    try {
      await c.var.deps.db.execute(sql`select 1`);
    } catch (err) {
      c.var.deps.log.warn('readiness check failed', { error: err instanceof Error ? err.name : 'unknown' });
      throw errors.internal('the database is not reachable');
    }
    return c.json({ status: 'ready' as const, database: 'ok' as const, request_id: c.var.requestId }, 200);
  });
