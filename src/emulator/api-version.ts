import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { errors } from '../plaid/errors';

/**
 * The `Plaid-Version` header. Plaid documents that the header selects the API
 * version of one request, and that without it the client's default version
 * (set in Plaid's Dashboard) applies. Its released versions are 2020-09-14,
 * 2019-05-29, 2018-05-22 and 2017-03-08.
 *
 * The emulator serves 2020-09-14 (the version of the OpenAPI spec it follows,
 * and the one the official SDKs pin); it is also every emulator client's
 * default, so a request without the header gets it. An older released version
 * is accepted and changes the one answer Plaid documents as versioned among
 * the processor endpoints (/processor/auth/get's `numbers`, see
 * legacyProcessorNumbers in data/profile.ts). Anything else, a date Plaid never released included, is
 * refused with INVALID_HEADERS (INVALID_REQUEST, 400), the code Plaid
 * documents for a bad request header: no response shape exists for it.
 */

export const SERVED_PLAID_VERSION = '2020-09-14';

/** Plaid's released API versions, newest first. */
export const PLAID_VERSIONS = ['2020-09-14', '2019-05-29', '2018-05-22', '2017-03-08'] as const;

export type PlaidVersion = (typeof PLAID_VERSIONS)[number];

export function isPlaidVersion(value: string): value is PlaidVersion {
  return (PLAID_VERSIONS as readonly string[]).includes(value);
}

/** Whether `version` predates 2020-09-14, when /processor/auth/get took its current `numbers` shape. */
export function before20200914(version: PlaidVersion): boolean {
  return version < '2020-09-14';
}

/** Sets the request's API version (`plaidVersion`), or refuses an unknown one. */
export function requirePlaidVersion(): MiddlewareHandler<{ Variables: { plaidVersion: PlaidVersion } }> {
  return async (c, next) => {
    // Unknown routes answer NOT_FOUND whatever their headers.
    if (!matchedRoutes(c).some((route) => route.method === c.req.method)) return next();
    const header = c.req.header('plaid-version');
    if (header === undefined) {
      c.set('plaidVersion', SERVED_PLAID_VERSION);
      return next();
    }
    const version = header.trim();
    if (!isPlaidVersion(version)) {
      // Echo at most a short, printable prefix of what was sent.
      const shown = version.replace(/[^\x20-\x7e]/g, '?').slice(0, 40);
      throw errors.invalidHeaders(
        `Plaid-Version "${shown}" is not a Plaid API version; use one of ${PLAID_VERSIONS.join(', ')} (this emulator serves ${SERVED_PLAID_VERSION}), or leave the header out`,
      );
    }
    c.set('plaidVersion', version);
    return next();
  };
}
