import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { plaidErrorSchema } from '../plaid/schemas';
import { plaidErrorFromZod } from '../plaid/validation';
import type { PlaidVersion } from './api-version';
import type { RateLimiter } from './rate-limits';
import type { EmulatorState } from './state';
import type { WebhookSender } from './webhooks';

export interface EmulatorClient {
  clientId: string;
  secret: string;
}

export interface EmulatorEnv {
  Variables: {
    requestId: string;
    /** The Plaid client whose keys authenticated this request. */
    client: EmulatorClient;
    /** The request's Plaid API version (Plaid-Version, else the served default). */
    plaidVersion: PlaidVersion;
  };
}

/** What every emulator route works with (built once per app by createEmulatorApp). */
export interface EmulatorContext {
  state: EmulatorState;
  clock: () => Date;
  limiter: RateLimiter;
  webhooks: WebhookSender;
}

/** Like src/lib/create-router.ts, for the emulator's own env: zod failures become Plaid INVALID_REQUEST errors. */
export function createEmulatorRouter() {
  return new OpenAPIHono<EmulatorEnv>({
    strict: true,
    defaultHook: (result) => {
      if (!result.success) throw plaidErrorFromZod(result.error, (result as { data?: unknown }).data);
    },
  });
}

export type EmulatorRouter = ReturnType<typeof createEmulatorRouter>;

/**
 * Registers a Plaid-style POST route: JSON body validated by `request` (required,
 * strict), 200 answer described by `response`. The handler returns the body
 * without request_id; it is added here so no response can forget it.
 */
export function plaidPost<Req extends z.ZodType, Res extends z.ZodType>(
  router: EmulatorRouter,
  spec: { path: string; request: Req; response: Res; summary: string },
  handler: (body: z.infer<Req>, c: Context<EmulatorEnv>) => Promise<Record<string, unknown>> | Record<string, unknown>,
): void {
  const route = createRoute({
    method: 'post',
    path: spec.path,
    summary: spec.summary,
    request: { body: { required: true, content: { 'application/json': { schema: spec.request } } } },
    responses: {
      200: { description: 'OK', content: { 'application/json': { schema: spec.response } } },
      400: { description: 'Plaid error', content: { 'application/json': { schema: plaidErrorSchema } } },
    },
  });
  router.openapi(route, (async (c: Context<EmulatorEnv>) => {
    const body = (c.req as unknown as { valid: (target: 'json') => z.infer<Req> }).valid('json');
    const result = await handler(body, c);
    return c.json({ ...result, request_id: c.get('requestId') }, 200);
  }) as never);
}
