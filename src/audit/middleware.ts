import type { Context, MiddlewareHandler } from 'hono';
import type { AppDeps, AppEnv } from '../context';
import { appendInTransaction } from './postgres-writer';
import { throttleFailedAuthentication } from '../auth/failures';
import { clientAddress } from '../lib/client-address';
import { PlaidError, errors } from '../plaid/errors';
import type { AuditRecordInput } from './writer';

/**
 * Writes one audit record per audited request, *before* the response leaves.
 *
 * Routes (and the auth layer) opt a request in by setting `c.get('audit').enabled`
 * and fill in who/what/why. When the handler is done, the record is appended and
 * awaited: if it cannot be committed, the response (which may hold account data)
 * is replaced by API_ERROR. That is the durability rule of the audit trail.
 *
 * The record holds ids, codes and timings only; the writer scrubs again
 * (src/audit/scrub.ts) and normalizes the time, the path and free text.
 */
export function auditTrail(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('audit', { enabled: false, action: 'request', actorType: 'anonymous' });
    await next();
    const draft = c.get('audit');
    if (draft.action === 'auth.failed') await throttleFailedAuthentication(c, clientIp(c));
    if (!draft.enabled) return;
    const record = buildRecord(c);
    try {
      await c.get('deps').audit.append(record);
    } catch (err) {
      c.get('deps').log.error('audit append failed', { request_id: c.get('requestId'), error: errorName(err) });
      const failure = errors.internal('the request could not be recorded in the audit trail; nothing was returned');
      // Drop the unrecorded response entirely: its body (which may hold account
      // data, or be an export stream) and its headers (Hono would otherwise copy
      // them, content-length and content-disposition included, onto the new one).
      await c.res.body?.cancel().catch(() => {});
      c.res = undefined as unknown as Response;
      c.res = failure.toResponse(c.get('requestId'));
    }
  };
}

/**
 * The request's audit record from its draft. `status` is the HTTP status
 * answered (the partner pipeline also builds it before answering, with 0, to
 * take the audit intent's fields from it).
 */
export function buildRecord(c: Context<AppEnv>, status: number = c.res.status): AuditRecordInput {
  const d = c.get('audit');
  const decision = d.decision ?? (status < 400 ? 'allow' : status >= 500 ? 'error' : 'deny');
  return {
    occurredAt: new Date(c.get('startedAt')).toISOString(),
    requestId: c.get('requestId'),
    actorType: d.actorType,
    actorId: d.actorId ?? null,
    partnerId: d.partnerId ?? null,
    fintechId: d.fintechId ?? null,
    tokenId: d.tokenId ?? null,
    action: d.action,
    method: c.req.method,
    endpoint: c.req.path,
    product: d.product ?? null,
    decision,
    reason: d.reason ?? (status >= 400 ? (c.get('errorCode') ?? `http_${status}`) : null),
    httpStatus: status,
    plaidRequestId: d.plaidRequestId ?? null,
    plaidStatus: d.plaidStatus ?? null,
    latencyMs: Math.max(0, Math.round(performance.now() - c.get('startedPerf'))),
    clientIp: clientIp(c),
    userAgent: c.req.header('user-agent')?.slice(0, 512) ?? null,
    details: d.details ?? {},
    ...(d.intentWritten ? { intent: 'release' as const } : {}),
  };
}

/**
 * The caller's address (see src/lib/client-address.ts for which headers are
 * believed). Worked out once per request: a partner call records it twice
 * (its audit intent, then its outcome), and parsing addresses is not free.
 */
export function clientIp(c: Context<AppEnv>): string | null {
  let ip = clientIps.get(c);
  if (ip === undefined) {
    ip = resolveClientIp(c);
    clientIps.set(c, ip);
  }
  return ip;
}

/** Each request's address, by its context (gone with it). */
const clientIps = new WeakMap<Context<AppEnv>, string | null>();

function resolveClientIp(c: Context<AppEnv>): string | null {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  const onNode = incoming !== undefined;
  return clientAddress({
    // On Node without a socket address (an in-process request), there is no peer to name.
    peer: onNode ? (incoming.socket?.remoteAddress ?? '') : undefined,
    header: (name) => c.req.header(name),
    trusted: c.get('deps')?.config.trustedProxies ?? [],
  }) || null;
}

function errorName(err: unknown): string {
  if (err instanceof PlaidError) return err.code;
  return err instanceof Error ? err.name : 'unknown';
}

const ROLLBACK = Symbol('rollback');

/**
 * Route middleware for changes (the operator API, the fintech API): the route
 * runs inside one database transaction together with its audit record, so a
 * change and its record commit together or not at all.
 *
 * - Success: the record is appended in the transaction, then it commits; the
 *   audit middleware has nothing left to write.
 * - The route answered an error: its writes are rolled back and the audit
 *   middleware records the failure as usual.
 * - The record (or the commit) fails: nothing is kept and the caller gets
 *   API_ERROR instead of the answer built inside the transaction (a one-time
 *   secret for a change that did not happen is never shown).
 *
 * `unless` keeps a request out of the transaction (a change that involves a
 * call to Plaid whose effects other requests must see before it ends).
 */
export function auditedChange(options: { unless?: (c: Context<AppEnv>) => Promise<boolean> } = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (await options.unless?.(c)) return next();
    const deps = c.get('deps');
    try {
      await deps.db.transaction(async (tx) => {
        c.set('deps', { ...deps, db: tx as unknown as AppDeps['db'] });
        await next();
        c.set('deps', deps);
        if (c.res.status >= 400) throw ROLLBACK;
        const draft = c.get('audit');
        if (!draft.enabled) return;
        await appendInTransaction(tx, buildRecord(c), deps.config.databaseTimeoutMs);
        draft.enabled = false;
      });
    } catch (err) {
      if (err !== ROLLBACK) throw err;
    } finally {
      c.set('deps', deps);
    }
  };
}
