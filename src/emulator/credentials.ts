import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { errors } from '../plaid/errors';
import { timingSafeEqual } from '../lib/ids';
import type { EmulatorClient, EmulatorEnv } from './router';

/**
 * Plaid keys: `PLAID-CLIENT-ID`/`PLAID-SECRET` headers, else `client_id`/`secret`
 * in the JSON body (already parsed by jsonBody). Missing -> MISSING_FIELDS,
 * wrong -> INVALID_API_KEYS. Every configured pair is compared, in constant time,
 * so the answer time does not reveal which part was wrong.
 */
export function requirePlaidKeys(clients: readonly EmulatorClient[]): MiddlewareHandler<EmulatorEnv> {
  return async (c, next) => {
    // Unknown routes answer NOT_FOUND whatever their credentials.
    if (!matchedRoutes(c).some((route) => route.method === c.req.method)) return next();
    const body = ((await c.req.bodyCache.json) ?? {}) as Record<string, unknown>;
    const clientId = c.req.header('plaid-client-id') ?? body.client_id;
    const secret = c.req.header('plaid-secret') ?? body.secret;
    for (const [field, value] of [['client_id', clientId], ['secret', secret]] as const) {
      if (value !== undefined && value !== null && typeof value !== 'string') {
        throw errors.invalidField(`${field} must be of type string`);
      }
    }
    const missing = [
      ...(typeof clientId === 'string' && clientId ? [] : ['client_id']),
      ...(typeof secret === 'string' && secret ? [] : ['secret']),
    ];
    if (missing.length > 0) throw errors.missingFields(missing);

    let found: EmulatorClient | undefined;
    for (const client of clients) {
      const idOk = timingSafeEqual(client.clientId, clientId as string);
      const secretOk = timingSafeEqual(client.secret, secret as string);
      if (idOk && secretOk) found ??= client;
    }
    if (!found) throw errors.invalidApiKeys();
    c.set('client', found);
    return next();
  };
}
