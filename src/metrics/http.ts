/**
 * The HTTP side of the metrics: the request middleware that counts and times
 * every answer, and GET /metrics. Runtime-neutral (no prom-client here): both
 * do nothing when AppDeps.metrics is absent, as on Workers.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { requireOperator } from '../auth/credentials';
import type { AppEnv } from '../context';
import { createRouter } from '../lib/create-router';
import { errors } from '../plaid/errors';
import { plaidErrorSchema } from '../plaid/schemas';
import { databaseFailureKind } from './database-errors';
import type { RequestDecision } from './index';

/** The route label of a request no route matched (unknown paths must not become labels). */
export const UNMATCHED_ROUTE = '(unmatched)';

/** Methods kept as labels; any other becomes OTHER (a client chooses the method). */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Counts and times every request once its response is ready: registered right
 * after the middleware that sets the dependencies and the start time, so what
 * it sees is the final answer (errors already turned into Plaid's, the audit
 * record already committed or the answer replaced by API_ERROR).
 *
 * Labels: the matched route pattern, the method, the audit draft's decision
 * (any 5xx is `error`; a request without one, such as /health, gets the
 * decision its status implies, as its record would) and the status. An answer
 * that became API_ERROR because of the database also counts in
 * gateway_database_errors_total{source="request"}.
 */
export function requestMetrics(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const metrics = c.get('deps')?.metrics;
    if (!metrics) return;
    const status = c.res.status;
    const drafted = c.get('audit')?.decision;
    const decision: RequestDecision =
      status >= 500 ? 'error' : (drafted ?? (status < 400 ? 'allow' : 'deny'));
    const method = METHODS.has(c.req.method) ? c.req.method : 'OTHER';
    metrics.request(routePattern(c), method, decision, status, (performance.now() - c.get('startedPerf')) / 1000);
    if (status >= 500 && c.error) {
      const kind = databaseFailureKind(c.error);
      if (kind) metrics.databaseError('request', kind);
    }
  };
}

/**
 * The pattern of the route that answered (`/admin/partners/:partner_id`). When
 * a middleware answered before the route's handler (a refused key, an
 * unreadable body), the pattern of the route the request was going to;
 * UNMATCHED_ROUTE when no route matched (a 404).
 */
function routePattern(c: Parameters<MiddlewareHandler<AppEnv>>[0]): string {
  const routes = matchedRoutes(c);
  for (let i = Math.max(0, c.req.routeIndex); i < routes.length; i++) {
    const route = routes[i]!;
    // Middlewares registered with use() match every method ('ALL') and a wildcard path.
    if (route.method !== 'ALL') return route.path;
  }
  return UNMATCHED_ROUTE;
}

const scrape = createRoute({
  method: 'get',
  path: '/metrics',
  tags: ['Operations'],
  summary: 'Prometheus metrics (operator key)',
  description:
    'The Node server\'s metrics in the Prometheus text exposition format: requests by route pattern, method, decision and status; gateway and upstream latency; rate-limit refusals; audit append latency and batch sizes; database errors; webhook deliveries; process and runtime metrics. Requires `Authorization: Bearer $GATEWAY_ADMIN_KEY`. A successful scrape is not recorded in the audit trail; a refused one is (as a failed authentication). Workers answer NOT_FOUND (no metrics there).',
  security: [{ bearer: [] }],
  middleware: [requireOperator()] as const,
  responses: {
    200: {
      description: 'Prometheus text format (version 0.0.4)',
      content: { 'text/plain': { schema: z.string() } },
    },
    400: {
      description: 'INVALID_API_KEYS (missing or wrong operator key), or NOT_FOUND where no metrics are kept (Workers)',
      content: { 'application/json': { schema: plaidErrorSchema } },
    },
  },
});

export const metricsRoutes = createRouter().openapi(scrape, async (c) => {
  // Scrapes come every few seconds: keep them out of the audit trail once the key was right.
  c.get('audit').enabled = false;
  const metrics = c.get('deps').metrics;
  if (!metrics) throw errors.notFound();
  const { contentType, body } = await metrics.scrape();
  return c.body(body, 200, { 'content-type': contentType }) as never;
});
