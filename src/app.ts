import { HTTPException } from 'hono/http-exception';
import type { Context } from 'hono';
import { auditTrail } from './audit/middleware';
import { identifyFromHeaders } from './auth/credentials';
import type { AppDeps, AppEnv } from './context';
import { createRouter } from './lib/create-router';
import { requestId as newRequestId } from './lib/ids';
import { metricsRoutes, requestMetrics } from './metrics/http';
import { jsonBody } from './middleware/json-body';
import { PlaidError, errors } from './plaid/errors';
import { adminRoutes } from './routes/admin';
import { auditRoutes } from './routes/audit';
import { docsRoutes } from './routes/docs';
import { fintechRoutes } from './routes/fintech';
import { healthRoutes } from './routes/health';
import { partnerRoutes } from './routes/partner';
import { webhookRoutes } from './routes/webhooks';

export const API_VERSION = '0.1.0';

/**
 * Builds the gateway. `deps` is either the dependencies themselves (Node, tests)
 * or a function giving them per request (Workers, where a database connection
 * cannot outlive the request that opened it).
 */
export function createApp(deps: AppDeps | ((c: Context<AppEnv>) => AppDeps)) {
  const resolve = typeof deps === 'function' ? deps : () => deps;
  const app = createRouter();

  app.use('*', async (c, next) => {
    c.set('startedAt', Date.now());
    c.set('startedPerf', performance.now());
    c.set('requestId', newRequestId());
    c.set('deps', resolve(c));
    presetHeaders(c);
    await next();
    finalHeaders(c);
  });
  app.use('*', requestMetrics());
  // Path ids and query filters reach SQL as text, which cannot hold NUL: refuse it here, once.
  app.use('*', async (c, next) => {
    if (/%00|\u0000/i.test(c.req.url)) throw errors.invalidField('the request URL must not contain NUL (%00) characters');
    return next();
  });
  app.use('*', auditTrail());
  const isOperatorApi = (path: string) => path.startsWith('/admin/');
  // Plaid's webhooks are read as raw bytes (their signature covers the exact body).
  const isInboundWebhook = (path: string) => path.startsWith('/webhooks/');
  app.use('*', async (c, next) => {
    if (isInboundWebhook(c.req.path)) return next();
    const read = jsonBody(c.get('deps').config.maxBodyBytes, {
      emptyAsObject: isOperatorApi,
      inflightBudget: c.get('deps').config.maxInflightBodyBytes,
    });
    try {
      return await read(c, next);
    } catch (err) {
      // Only the body reader's own refusals get here (route errors are answered inside).
      // An authenticated caller's unreadable body is recorded; a capacity refusal costs nothing more.
      if (err instanceof PlaidError && err.status < 500) await identifyFromHeaders(c);
      throw err;
    }
  });

  app.route('/', healthRoutes);
  app.route('/', metricsRoutes);
  app.route('/', adminRoutes);
  app.route('/', fintechRoutes);
  app.route('/', webhookRoutes);
  app.route('/', partnerRoutes);
  app.route('/', auditRoutes);

  app.doc31('/openapi.json', (c) => ({
    openapi: '3.1.0',
    info: {
      title: 'Processor partner gateway',
      version: API_VERSION,
      description:
        'Plaid-compatible /processor/* endpoints for payment partners, token hand-over for fintechs, operator and compliance APIs.',
    },
    // From configuration, never from the request's Host header (which the client chooses).
    servers: [{ url: c.get('deps').config.publicUrl ?? '/' }],
  }));
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  app.route('/', docsRoutes);

  app.notFound((c) => respondWithError(c, errors.notFound()));
  app.onError((err, c) => respondWithError(c, toPlaidError(err, c)));
  return app;
}

export type GatewayApp = ReturnType<typeof createApp>;

/**
 * Headers every answer carries: answers hold account data, one-time secrets,
 * gateway tokens and audit data, so no cache may keep them and no browser may
 * sniff them into another type. Routes that set their own (the /audit page's
 * CSP, an export's disposition) keep theirs.
 */
const SECURITY_HEADERS: ReadonlyArray<readonly [name: string, value: string]> = [
  ['cache-control', 'no-store'],
  ['x-content-type-options', 'nosniff'],
  ['referrer-policy', 'no-referrer'],
];

/**
 * The request id and the security headers, prepared before the route runs:
 * every answer built through the context (c.json, c.body, ...) starts with
 * them, and a route's own value for one replaces it. finalHeaders() then
 * usually has nothing left to do.
 */
function presetHeaders(c: Context<AppEnv>): void {
  c.header('x-request-id', c.get('requestId'));
  for (const [name, value] of SECURITY_HEADERS) c.header(name, value);
}

/**
 * Makes sure the finished answer has the request id and the security headers,
 * for answers built without the prepared ones (a Response made by hand, an
 * error answer replacing the route's). Only then is the answer touched:
 * setting a header on a finished answer makes Hono rebuild it from its body
 * stream, which on Node turns @hono/node-server's lightweight response (a
 * string written out in one go) into a WHATWG Response streamed chunk by
 * chunk (profiled: about a tenth of the partner hot path's CPU when it was
 * done on every answer).
 */
function finalHeaders(c: Context<AppEnv>): void {
  const headers = c.res.headers;
  const complete = headers.get('x-request-id') === c.get('requestId') && SECURITY_HEADERS.every(([name]) => headers.has(name));
  if (complete) return;
  c.header('x-request-id', c.get('requestId'));
  securityHeaders(c.res.headers);
}

/** Adds the security headers the answer does not have (a route's own value stays). */
function securityHeaders(headers: Headers): void {
  try {
    for (const [name, value] of SECURITY_HEADERS) if (!headers.has(name)) headers.set(name, value);
  } catch {
    // An immutable response (one passed through as received) keeps its headers.
  }
}

function toPlaidError(err: unknown, c: Context<AppEnv>): PlaidError {
  if (err instanceof PlaidError) return err;
  if (err instanceof HTTPException) {
    if (err.status === 413) return errors.bodyTooLarge(c.get('deps')?.config.maxBodyBytes ?? 0);
    if (err.status < 500) return errors.invalidBody(err.message || 'the request could not be read');
  }
  // Anything else is our failure (database down, a bug). Log its kind and SQLSTATE,
  // not its message: driver messages can quote input values (tokens, secrets).
  const log = c.get('deps')?.log;
  const fields = {
    request_id: c.get('requestId'),
    path: c.req.path,
    error: err instanceof Error ? err.name : 'unknown',
    code: (err as { code?: unknown } | undefined)?.code,
  };
  log?.error('unhandled error', fields);
  log?.debug('unhandled error detail', { ...fields, message: err instanceof Error ? err.message.slice(0, 300) : undefined });
  return errors.internal();
}

function respondWithError(c: Context<AppEnv>, error: PlaidError): Response {
  const requestId = c.get('requestId') ?? newRequestId();
  c.set('errorCode', error.code);
  for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
  c.header('x-request-id', requestId);
  return c.json(error.toBody(requestId), error.status as 400);
}
