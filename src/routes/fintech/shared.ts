import type { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { auditedChange } from '../../audit/middleware';
import { requireClient } from '../../auth/credentials';
import type { AppEnv } from '../../context';
import { jsonRequest, plaidResponses } from '../../lib/openapi';

/** What every fintech route shares: tags, authentication, the transactional audit, shapes. */
export const tags = ['Fintech'];
/**
 * Each change commits together with its audit record. Not an import with a
 * webhook: registering it with Plaid makes Plaid call the gateway back, which
 * must see the new token and destination before this request ends.
 */
export const middleware = [
  requireClient('fintech'),
  auditedChange({
    unless: async (c) => ((await (c.req.bodyCache.json ?? Promise.resolve(undefined))) as { webhook?: unknown } | undefined)?.webhook != null,
  }),
];

export const ERRORS =
  "INVALID_REQUEST codes, INVALID_API_KEYS, INVALID_PROCESSOR_TOKEN (unknown, malformed, revoked or another fintech's token), INVALID_PRODUCT";
export const body = jsonRequest;
export const ok = <T extends z.ZodType>(description: string, schema: T) => plaidResponses(description, schema, ERRORS);

/** The authenticated fintech's id. */
export function fintechId(c: Pick<Context<AppEnv>, 'get'>): string {
  const principal = c.get('principal');
  // requireClient('fintech') ran first; anything else is a wiring bug.
  if (principal?.kind !== 'fintech' || !principal.id) throw new Error('fintech principal missing');
  return principal.id;
}

