import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../context';
import { plaidErrorFromZod } from '../plaid/validation';

/**
 * Every router in the app is made here so that request validation failures
 * always become Plaid's INVALID_REQUEST errors (never zod's own format).
 */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    strict: true,
    defaultHook: (result) => {
      if (!result.success) throw plaidErrorFromZod(result.error, (result as { data?: unknown }).data);
    },
  });
}

export type AppRouter = ReturnType<typeof createRouter>;
