import type { MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Context } from 'hono';
import { requestId as newRequestId } from '../lib/ids';
import { jsonBody } from '../middleware/json-body';
import { PlaidError, errors } from '../plaid/errors';
import { requirePlaidVersion } from './api-version';
import { requirePlaidKeys } from './credentials';
import { RateLimiter } from './rate-limits';
import { createEmulatorRouter, type EmulatorClient, type EmulatorContext, type EmulatorEnv } from './router';
import { accountRoutes } from './routes/accounts';
import { controlRoutes } from './routes/controls';
import { sandboxRoutes } from './routes/sandbox';
import { signalRoutes } from './routes/signal';
import { tokenRoutes } from './routes/token';
import { transactionsRoutes } from './routes/transactions';
import { EmulatorState } from './state';
import { WebhookSender } from './webhooks';

export type { EmulatorClient } from './router';

export interface EmulatorOptions {
  /** Plaid keys the emulator accepts (EMULATOR_CLIENTS). */
  clients: EmulatorClient[];
  /** Per-Item and per-client limits (EMULATOR_RATE_LIMITS=off turns them off). */
  rateLimits: boolean;
  /** The current time; tests advance it to cross rate-limit windows. */
  clock?: () => Date;
  /** How webhooks are POSTed (default: global fetch). */
  fetch?: typeof fetch;
  /** Body size limit (default 1 MiB, as the gateway). */
  maxBodyBytes?: number;
  /** Time between a failed webhook delivery and its retry (default 3 minutes, Plaid's "a few minutes"). */
  webhookRetryDelayMs?: number;
}

/**
 * The embedded Plaid emulator: an independent Hono app answering Plaid's
 * /processor/* and Sandbox endpoints from in-memory state, with Plaid's shapes,
 * errors and statuses (see docs/emulator.md).
 *
 * The returned app also carries `emulator` (its state and webhook sender) so
 * tests can wait for webhooks to be delivered.
 */
export function createEmulatorApp(options: EmulatorOptions) {
  const clock = options.clock ?? (() => new Date());
  const ctx: EmulatorContext = {
    state: new EmulatorState(),
    clock,
    limiter: new RateLimiter(clock, options.rateLimits),
    webhooks: new WebhookSender(clock, options.fetch, options.webhookRetryDelayMs),
  };

  const app = createEmulatorRouter();
  app.use('*', async (c, next) => {
    c.set('requestId', newRequestId());
    await next();
  });
  app.use('*', jsonBody(options.maxBodyBytes ?? 1024 * 1024) as unknown as MiddlewareHandler<EmulatorEnv>);
  app.use('*', requirePlaidKeys(options.clients));
  app.use('*', requirePlaidVersion());

  app.route('/', sandboxRoutes(ctx));
  app.route('/', accountRoutes(ctx));
  app.route('/', signalRoutes(ctx));
  app.route('/', transactionsRoutes(ctx));
  app.route('/', tokenRoutes(ctx));
  app.route('/', controlRoutes(ctx));

  app.notFound((c) => respondWithError(c, errors.notFound()));
  app.onError((err, c) => respondWithError(c, toPlaidError(err, options.maxBodyBytes ?? 1024 * 1024)));

  return Object.assign(app, {
    emulator: { state: ctx.state, webhooks: ctx.webhooks, flushWebhooks: () => ctx.webhooks.flush() },
  });
}

export type EmulatorApp = ReturnType<typeof createEmulatorApp>;

function toPlaidError(err: unknown, maxBodyBytes: number): PlaidError {
  if (err instanceof PlaidError) return err;
  if (err instanceof HTTPException) {
    if (err.status === 413) return errors.bodyTooLarge(maxBodyBytes);
    if (err.status < 500) return errors.invalidBody(err.message || 'the request could not be read');
  }
  // A bug in the emulator: answer Plaid's API_ERROR, never a stack trace.
  console.error('emulator: unhandled error', err instanceof Error ? err.message.slice(0, 300) : 'unknown');
  return errors.internal();
}

function respondWithError(c: Context<EmulatorEnv>, error: PlaidError): Response {
  const requestId = c.get('requestId') ?? newRequestId();
  for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
  return c.json(error.toBody(requestId), error.status as 400);
}

/** The demo pair used when EMULATOR_CLIENTS is unset (printed at start). */
export const DEMO_CLIENT: EmulatorClient = { clientId: 'emulator_demo_client', secret: 'emulator_demo_secret_0123456789' };

/** Parses EMULATOR_CLIENTS: `client_id:secret` pairs separated by commas. */
export function parseEmulatorClients(value: string | undefined): EmulatorClient[] {
  if (!value) return [DEMO_CLIENT];
  return value
    .split(',')
    .map((pair) => pair.trim())
    .filter(Boolean)
    .map((pair) => {
      const sep = pair.indexOf(':');
      if (sep <= 0 || sep === pair.length - 1) throw new Error(`EMULATOR_CLIENTS: "${pair.split(':')[0]}..." is not client_id:secret`);
      return { clientId: pair.slice(0, sep), secret: pair.slice(sep + 1) };
    });
}
