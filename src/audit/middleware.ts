import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context';
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
      c.res = new Response(JSON.stringify(failure.toBody(c.get('requestId'))), {
        status: failure.status,
        headers: { 'content-type': 'application/json; charset=UTF-8', 'x-request-id': c.get('requestId') },
      });
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

/** The caller's address (see src/lib/client-address.ts for which headers are believed). */
export function clientIp(c: Context<AppEnv>): string | null {
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
