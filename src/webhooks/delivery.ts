import type { AuditRecordInput } from '../audit/writer';
import type { AppDeps } from '../context';
import { requestId } from '../lib/ids';
import { signingSecrets } from './destinations';
import {
  claimDueDeliveries,
  destinationsById,
  retryDelayMs,
  settleDelivery,
  type AttemptOutcome,
  type ClaimedDelivery,
} from './queue';
import { SIGNATURE_HEADER, signatureHeader } from './signature';
import { checkDestinationUrl } from './url-safety';

/**
 * Delivers due webhooks: claims a batch from the queue, signs each body with
 * its destination's secret(s) (Gateway-Signature) and with the gateway's ES256
 * key as Plaid signs (Plaid-Verification), POSTs it (no redirects followed, bounded by
 * WEBHOOK_TIMEOUT_MS), records the attempt in the audit trail (ids, codes and
 * the receiver's status; never the body) and settles it: delivered on a 2xx,
 * otherwise retried with backoff until WEBHOOK_MAX_ATTEMPTS, then failed.
 *
 * How the POST is made is the runtime's: on Node an undici agent that refuses
 * to connect to internal addresses after DNS resolution; on Workers fetch().
 */

/** Sends one signed POST and answers the receiver's status. Throws on a network failure or timeout. */
export type WebhookTransport = (
  url: string,
  init: { headers: Record<string, string>; body: string; timeoutMs: number },
) => Promise<{ status: number }>;

export class UnsafeAddress extends Error {
  constructor() {
    super('the destination resolves to an address the gateway does not deliver to');
    this.name = 'UnsafeAddress';
  }
}

/** A transport from a fetch implementation (Workers, tests). */
export function fetchTransport(fetchImpl: typeof fetch = fetch): WebhookTransport {
  return async (url, init) => {
    const response = await fetchImpl(url, {
      method: 'POST',
      headers: init.headers,
      body: init.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(init.timeoutMs),
    });
    await response.body?.cancel().catch(() => {});
    return { status: response.status };
  };
}

export const DELIVERY_BATCH = 20;
const USER_AGENT = 'plaid-processor-gateway-webhooks/1';

type Deps = Pick<AppDeps, 'db' | 'keyring' | 'audit' | 'config' | 'clock' | 'log' | 'webhooks' | 'metrics'>;

export interface DrainResult {
  attempted: number;
  delivered: number;
  /** The soonest retry this drain scheduled (ms from now), if any. */
  nextRetryMs?: number;
}

/** Claims and delivers one batch of due webhooks. */
export async function drainDeliveries(deps: Deps, transport: WebhookTransport, limit = DELIVERY_BATCH): Promise<DrainResult> {
  const { timeoutMs } = deps.config.webhooks;
  // The lease outlasts the attempt (timeout, signing, the audit write) by a margin.
  const claimed = await claimDueDeliveries(deps.db, limit, timeoutMs + 20_000);
  if (claimed.length === 0) return { attempted: 0, delivered: 0 };
  const destinations = await destinationsById(
    deps.db,
    claimed.map((d) => d.destinationId),
  );
  const outcomes = await Promise.all(
    claimed.map((delivery) => attempt(deps, transport, delivery, destinations.get(delivery.destinationId))),
  );
  const retries = outcomes.flatMap((o) => (o.kind === 'retry' ? [o.delayMs] : []));
  return {
    attempted: claimed.length,
    delivered: outcomes.filter((o) => o.kind === 'delivered').length,
    nextRetryMs: retries.length > 0 ? Math.min(...retries) : undefined,
  };
}

async function attempt(
  deps: Deps,
  transport: WebhookTransport,
  delivery: ClaimedDelivery,
  destination: Awaited<ReturnType<typeof destinationsById>> extends Map<string, infer D> ? D | undefined : never,
): Promise<AttemptOutcome> {
  const started = performance.now();
  const occurredAt = deps.clock();
  let outcome: AttemptOutcome;
  if (!destination || destination.party !== delivery.party) {
    outcome = { kind: 'cancelled', error: 'destination_removed' };
  } else if (!checkDestinationUrl(destination.url, { allowLoopback: deps.config.webhooks.allowLoopback }).ok) {
    outcome = { kind: 'failed', statusCode: null, error: 'destination_not_allowed' };
  } else {
    outcome = await send(deps, transport, delivery, destination);
  }
  const record = attemptRecord(delivery, outcome, occurredAt, Math.round(performance.now() - started));
  try {
    await deps.audit.append(record);
  } catch (err) {
    // Not settled: the lease runs out and the delivery is attempted (and recorded) again.
    deps.log.error('webhook attempt could not be recorded', { delivery_id: delivery.id, error: errorName(err) });
    deps.metrics?.webhookDelivery('retry');
    return { kind: 'retry', statusCode: null, error: 'audit_unavailable', delayMs: deps.config.webhooks.timeoutMs + 20_000 };
  }
  await settleDelivery(deps.db, delivery, outcome);
  deps.metrics?.webhookDelivery(outcome.kind);
  return outcome;
}

async function send(
  deps: Deps,
  transport: WebhookTransport,
  delivery: ClaimedDelivery,
  destination: NonNullable<Parameters<typeof signingSecrets>[1]>,
): Promise<AttemptOutcome> {
  const { maxAttempts, retryBaseMs, timeoutMs } = deps.config.webhooks;
  const failed = (statusCode: number | null, error: string): AttemptOutcome =>
    delivery.attempt >= maxAttempts
      ? { kind: 'failed', statusCode, error }
      : { kind: 'retry', statusCode, error, delayMs: retryDelayMs(delivery.attempt, retryBaseMs) };
  try {
    const secrets = await signingSecrets(deps.keyring, destination, deps.clock());
    const timestamp = Math.floor(deps.clock().getTime() / 1000);
    const { status } = await transport(destination.url, {
      timeoutMs,
      body: delivery.body,
      headers: {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        [SIGNATURE_HEADER]: await signatureHeader(secrets, timestamp, delivery.body),
        // Plaid's own scheme too, so a receiver's existing Plaid verification works unchanged.
        'plaid-verification': await deps.webhooks.signer.sign(deps, delivery.body, timestamp),
        'gateway-webhook-id': delivery.id,
        'gateway-webhook-attempt': String(delivery.attempt),
        'gateway-token-id': delivery.tokenId,
      },
    });
    if (status >= 200 && status < 300) return { kind: 'delivered', statusCode: status };
    return failed(status, `receiver_status_${status}`);
  } catch (err) {
    if (err instanceof UnsafeAddress || (err as { cause?: unknown }).cause instanceof UnsafeAddress) {
      return { kind: 'failed', statusCode: null, error: 'address_not_public' };
    }
    const name = errorName(err);
    return failed(null, name === 'TimeoutError' || name === 'AbortError' ? 'receiver_timeout' : 'receiver_unreachable');
  }
}

function attemptRecord(delivery: ClaimedDelivery, outcome: AttemptOutcome, at: Date, latencyMs: number): AuditRecordInput {
  return {
    occurredAt: at.toISOString(),
    requestId: requestId(),
    actorType: 'gateway',
    actorId: 'webhook-delivery',
    partnerId: delivery.party === 'partner' ? delivery.partyId : null,
    fintechId: delivery.party === 'fintech' ? delivery.partyId : null,
    tokenId: delivery.tokenId,
    action: 'webhook.delivery',
    method: 'POST',
    endpoint: `/gateway/webhook/deliveries/${delivery.id}`,
    product: null,
    decision: outcome.kind === 'delivered' ? 'allow' : 'error',
    reason: outcome.kind === 'delivered' ? null : outcome.error,
    httpStatus: 'statusCode' in outcome ? (outcome.statusCode ?? 0) : 0,
    plaidRequestId: null,
    plaidStatus: null,
    latencyMs,
    clientIp: null,
    userAgent: null,
    details: {
      delivery_id: delivery.id,
      attempt: delivery.attempt,
      party: delivery.party,
      webhook_type: delivery.webhookType,
      webhook_code: delivery.webhookCode,
      outcome: outcome.kind,
    },
  };
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : 'unknown';
}
