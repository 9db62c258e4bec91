import { createRoute, z } from '@hono/zod-openapi';
import { jsonColumn, statement } from '../db/statement';
import { createRouter } from '../lib/create-router';
import { PlaidError } from '../plaid/errors';
import { plaidErrorSchema } from '../plaid/schemas';

const HealthResponse = z.object({ status: z.literal('ok'), request_id: z.string() }).openapi('Health');
const ReadyResponse = z
  .object({
    status: z.literal('ready'),
    database: z.literal('ok'),
    audit: z.object({
      chain_lock: z.literal('ok'),
      pending_intents: z.number().int().describe('Partner calls sent upstream whose outcome record is not written yet'),
    }),
    request_id: z.string(),
  })
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
  summary: 'Database is reachable and the audit trail can be written',
  description:
    'Answers 200 when the database answers and the audit chain lock can be had within DATABASE_TIMEOUT_MS; otherwise 503 API_ERROR naming what is blocked, so a load balancer takes the instance out before partner calls time out.',
  responses: {
    200: { description: 'Ready', content: { 'application/json': { schema: ReadyResponse } } },
    503: {
      description: 'API_ERROR: the database does not answer in time, or the audit chain is blocked',
      content: { 'application/json': { schema: plaidErrorSchema } },
    },
  },
});

export const healthRoutes = createRouter()
  .openapi(health, (c) => c.json({ status: 'ok' as const, request_id: c.get('requestId') }, 200))
  .openapi(ready, async (c) => {
    const deps = c.get('deps');
    let probe: { chain_lock: 'ok' | 'blocked'; pending_intents: number };
    try {
      const timeoutMs = deps.config.databaseTimeoutMs;
      const rows = await statement(deps.db, READY_PROBE)([timeoutMs], timeoutMs + 1_000);
      probe = jsonColumn(rows[0]?.r);
    } catch (err) {
      deps.log.warn('readiness check failed', { error: err instanceof Error ? err.name : 'unknown' });
      throw notReady('the database is not reachable or does not answer in time');
    }
    if (probe.chain_lock !== 'ok') {
      deps.log.warn('readiness check failed', { audit: 'chain lock blocked' });
      throw notReady('the audit trail cannot be written: its chain lock is held');
    }
    return c.json(
      {
        status: 'ready' as const,
        database: 'ok' as const,
        audit: { chain_lock: 'ok' as const, pending_intents: Number(probe.pending_intents) },
        request_id: c.get('requestId'),
      },
      200,
    );
  });

/** Whether the chain lock can be had in time, and how many intents wait for their outcome. */
const READY_PROBE = 'select gw_audit_probe($1::int) as r';

function notReady(message: string) {
  return new PlaidError({ type: 'API_ERROR', code: 'INTERNAL_SERVER_ERROR', message, status: 503 });
}
