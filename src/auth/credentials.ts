import type { Context, MiddlewareHandler } from 'hono';
import { eq } from 'drizzle-orm';
import type { AppEnv } from '../context';
import { auditors, fintechs, partners } from '../db/schema';
import { timingSafeEqual } from '../lib/ids';
import { PlaidError, errors } from '../plaid/errors';
import { hashSecret, NO_MATCH_HASH, secretMatches } from './hash';

/**
 * Authentication for every principal of the contract:
 * - partners and fintechs: Plaid-style `PLAID-CLIENT-ID`/`PLAID-SECRET` headers or
 *   `client_id`/`secret` in the JSON body, checked against their own table only
 *   (a partner's keys never work on fintech routes and the other way round);
 * - the operator: `Authorization: Bearer $GATEWAY_ADMIN_KEY`;
 * - auditors: `Authorization: Bearer <auditor key>` (looked up by hash).
 *
 * Each middleware opts the request into the audit trail, success or failure.
 */

export type ClientRole = 'partner' | 'fintech';

/** Reads Plaid-style credentials: headers first, then the JSON body. */
export async function plaidCredentials(c: Context<AppEnv>): Promise<{ clientId?: string; secret?: string }> {
  let clientId = c.req.header('plaid-client-id');
  let secret = c.req.header('plaid-secret');
  if (!clientId || !secret) {
    const body = (await (c.req.bodyCache.json ?? Promise.resolve(undefined))) as Record<string, unknown> | undefined;
    if (body && typeof body === 'object') {
      if (!clientId && typeof body.client_id === 'string') clientId = body.client_id;
      if (!secret && typeof body.secret === 'string') secret = body.secret;
    }
  }
  return { clientId, secret };
}

/**
 * Reads the Plaid-style credentials and refuses a request that lacks them
 * (MISSING_FIELDS, audited as a failed authentication). Answers them for the
 * check proper.
 */
async function presentedCredentials(c: Context<AppEnv>, role: ClientRole): Promise<{ clientId: string; secret: string }> {
  const audit = c.get('audit');
  audit.enabled = true;
  audit.action = `${role}.request`;
  const { clientId, secret } = await plaidCredentials(c);
  if (!clientId || !secret) {
    failAuth(c, 'missing_credentials');
    const missing = [!clientId && 'client_id', !secret && 'secret'].filter(Boolean) as string[];
    throw errors.missingFields(missing);
  }
  return { clientId, secret };
}

/** Authenticates a partner or a fintech; sets c.get('principal') and the audit actor. */
export function requireClient(role: ClientRole): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await authenticateClient(c, role, await presentedCredentials(c, role));
    return next();
  };
}

/**
 * Routes open to both parties of a token (its webhooks): the client is looked
 * up among fintechs, then among partners, and authenticated as what it is.
 */
export function requireFintechOrPartner(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const credentials = await presentedCredentials(c, 'fintech');
    const [fintech] = await c.get('deps').db
      .select({ id: fintechs.id })
      .from(fintechs)
      .where(eq(fintechs.clientId, credentials.clientId))
      .limit(1);
    await authenticateClient(c, fintech ? 'fintech' : 'partner', credentials);
    return next();
  };
}

/**
 * Partner routes: only checks that credentials are present. The check proper
 * happens inside the admission statement (src/tenancy/admission.ts), in the
 * same round trip as the token decision and the rate limits; a request whose
 * body fails validation is authenticated on its own (partnerValidationHook), so
 * bad credentials still answer INVALID_API_KEYS first.
 */
export function requirePartnerCredentials(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await presentedCredentials(c, 'partner');
    return next();
  };
}

/** Looks the client up in its own table and checks its secret; throws INVALID_API_KEYS otherwise. */
export async function authenticateClient(
  c: Context<AppEnv>,
  role: ClientRole,
  { clientId, secret }: { clientId: string; secret: string },
): Promise<void> {
  const table = role === 'partner' ? partners : fintechs;
  const [row] = await c.get('deps').db
    .select({ id: table.id, secretHash: table.secretHash, disabled: table.disabled })
    .from(table)
    .where(eq(table.clientId, clientId))
    .limit(1);
  const ok = await secretMatches(secret, row?.secretHash ?? NO_MATCH_HASH);
  if (!row || !ok) throw authenticationFailed(c, role, row ? 'wrong_secret' : 'unknown_client_id', row?.id);
  if (row.disabled) throw authenticationFailed(c, role, `${role}_disabled`, row.id);
  authenticated(c, role, row.id);
}

/** Records a successful authentication: principal and audit actor. */
export function authenticated(c: Context<AppEnv>, role: ClientRole, id: string): void {
  const audit = c.get('audit');
  c.set('principal', { kind: role, id });
  audit.actorType = role;
  audit.actorId = id;
  if (role === 'partner') audit.partnerId = id;
  else audit.fintechId = id;
}

/**
 * A failed authentication: the audit record says why (the partner is named
 * when its client_id was right); the caller gets INVALID_API_KEYS, with the
 * reason in the message only for a disabled client, whose keys were right.
 */
export function authenticationFailed(
  c: Context<AppEnv>,
  role: ClientRole,
  reason: 'wrong_secret' | 'unknown_client_id' | `${ClientRole}_disabled`,
  id: string | undefined,
): PlaidError {
  // A fintech's id is recorded only when it is disabled (a wrong fintech secret
  // names no fintech); a partner's whenever its client_id was right.
  const named = id !== undefined && reason !== 'unknown_client_id' && (role === 'partner' || reason !== 'wrong_secret');
  failAuth(c, reason, named ? (role === 'partner' ? { partnerId: id } : { fintechId: id }) : {});
  if (reason === `${role}_disabled`) {
    return new PlaidError({
      type: 'INVALID_INPUT',
      code: 'INVALID_API_KEYS',
      message: `this ${role} is disabled; contact the gateway operator`,
    });
  }
  return errors.invalidApiKeys();
}

/**
 * For a request whose body could not be read (malformed, not an object, empty,
 * too large): who sent it, from the headers alone, so the refusal is recorded
 * against an authenticated caller instead of vanishing. The operator by its
 * bearer key on /admin paths; a fintech or a partner by PLAID-CLIENT-ID and
 * PLAID-SECRET (wrong keys are recorded as a failed authentication, as on any
 * route). Without credentials in the headers nothing is recorded: anonymous
 * junk does not grow the audit trail.
 */
export async function identifyFromHeaders(c: Context<AppEnv>): Promise<void> {
  const audit = c.get('audit');
  const key = bearerToken(c);
  if (c.req.path.startsWith('/admin/')) {
    const holder = operatorKeyHolder(c, key);
    if (holder) Object.assign(audit, { enabled: true, action: 'operator.request', actorType: 'operator', actorId: holder });
    return;
  }
  const clientId = c.req.header('plaid-client-id');
  const secret = c.req.header('plaid-secret');
  if (!clientId || !secret) return;
  audit.enabled = true;
  const [fintech] = await c.get('deps').db.select({ id: fintechs.id }).from(fintechs).where(eq(fintechs.clientId, clientId)).limit(1);
  const role: ClientRole = fintech ? 'fintech' : 'partner';
  audit.action = `${role}.request`;
  try {
    await authenticateClient(c, role, { clientId, secret });
  } catch {
    // Recorded as a failed authentication by authenticateClient.
  }
}

/** The operator: Bearer GATEWAY_ADMIN_KEY. */
export function requireOperator(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const audit = c.get('audit');
    audit.enabled = true;
    const key = bearerToken(c);
    const holder = operatorKeyHolder(c, key);
    if (!holder) {
      failAuth(c, key ? 'wrong_admin_key' : 'missing_bearer');
      throw errors.invalidApiKeys();
    }
    c.set('principal', { kind: 'operator' });
    audit.actorType = 'operator';
    audit.actorId = holder;
    return next();
  };
}

/** Compliance readers: the operator or an auditor (possibly scoped to one partner). */
export function requireAuditReader(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const audit = c.get('audit');
    audit.enabled = true;
    audit.action = 'audit.read';
    const key = bearerToken(c);
    const holder = operatorKeyHolder(c, key);
    if (holder) {
      c.set('principal', { kind: 'operator' });
      audit.actorType = 'operator';
      audit.actorId = holder;
      return next();
    }
    if (key) {
      const [row] = await c.get('deps').db
        .select({ id: auditors.id, partnerId: auditors.partnerId, disabled: auditors.disabled })
        .from(auditors)
        .where(eq(auditors.keyHash, await hashSecret(key)))
        .limit(1);
      if (row && !row.disabled) {
        c.set('principal', { kind: 'auditor', id: row.id, partnerId: row.partnerId });
        audit.actorType = 'auditor';
        audit.actorId = row.id;
        audit.partnerId = row.partnerId;
        return next();
      }
      failAuth(c, row ? 'auditor_disabled' : 'unknown_key');
    } else {
      failAuth(c, 'missing_bearer');
    }
    throw errors.invalidApiKeys();
  };
}

/**
 * Whose operator key was presented: the operator's (GATEWAY_ADMIN_KEY) or the
 * operator CLI's (config.cliKey, which only the in-process app of one CLI run
 * holds; an HTTP caller cannot present it, so cannot be recorded as the CLI).
 */
function operatorKeyHolder(c: Context<AppEnv>, key: string | undefined): 'operator' | 'cli' | undefined {
  if (!key) return undefined;
  const { adminKey, cliKey } = c.get('deps').config;
  if (cliKey && timingSafeEqual(key, cliKey)) return 'cli';
  return timingSafeEqual(key, adminKey) ? 'operator' : undefined;
}

function bearerToken(c: Context<AppEnv>): string | undefined {
  const header = c.req.header('authorization');
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

/** Marks the request's audit record as a failed authentication (never records the presented secret). */
function failAuth(c: Context<AppEnv>, reason: string, ids: { partnerId?: string; fintechId?: string } = {}) {
  const audit = c.get('audit');
  audit.enabled = true;
  audit.action = 'auth.failed';
  audit.actorType = 'anonymous';
  audit.actorId = null;
  audit.decision = 'deny';
  audit.reason = reason;
  if (ids.partnerId) audit.partnerId = ids.partnerId;
  if (ids.fintechId) audit.fintechId = ids.fintechId;
}
