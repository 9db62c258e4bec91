/**
 * Audit intents left behind. The admission statement records every allowed
 * partner call in `audit_intents` before it goes to Plaid; the call's outcome
 * record deletes it. An intent still there long after any call could have
 * finished means the outcome was never recorded: the gateway was killed between
 * Plaid's answer and the audit commit, or the audit write failed. Folding turns
 * each such intent into a chain record of the call, `decision: error`,
 * `reason: outcome_unknown`, `http_status: 0` (no answer is known to have
 * reached the partner), so the trail still shows every call that reached Plaid.
 *
 * The fold claims each intent in the append statement itself (appended only if
 * this append deletes the intent), so instances folding at once, or a late
 * outcome racing the fold, never record one intent twice as unknown.
 *
 * Node runs the sweep on a timer (and once at start); Workers from a Cron
 * Trigger (src/worker.ts).
 */
import { sql } from 'drizzle-orm';
import type { Logger } from '../lib/logger';
import { type Database, queryRows } from '../db/database';
import { OCCURRED_AT_SQL } from './canonical';
import type { AuditRecordInput, AuditSink } from './writer';

export const OUTCOME_UNKNOWN = 'outcome_unknown';

interface IntentRow extends Record<string, unknown> {
  request_id: string;
  occurred_at: string;
  partner_id: string;
  fintech_id: string;
  token_id: string;
  method: string;
  endpoint: string;
  product: string | null;
  client_ip: string | null;
  user_agent: string | null;
  details: Record<string, unknown> | string;
}

/**
 * How old an intent must be before it is folded by default: longer than any
 * call can last (the upstream call's one deadline, retry included, plus the
 * admission and audit statements, each bounded by the database timeout and the
 * cancel slack), with room to spare. Folding sooner is harmless but noisy: a
 * call still running would get both an outcome_unknown record and its outcome.
 */
export function intentGraceMs(bounds: { upstreamTimeoutMs: number; databaseTimeoutMs: number }): number {
  return bounds.upstreamTimeoutMs + 2 * (bounds.databaseTimeoutMs + 1_000) + 5_000;
}

/** Folds up to `limit` intents older than `graceMs` into the chain; answers how many were examined. */
export async function foldStaleIntents(
  db: Database,
  audit: AuditSink,
  options: { graceMs: number; limit?: number },
): Promise<number> {
  const rows = await queryRows<IntentRow>(
    db,
    sql`select request_id, ${OCCURRED_AT_SQL} as occurred_at, partner_id, fintech_id, token_id, method, endpoint,
          product, client_ip, user_agent, details
        from audit_intents
        where created_at < now() - make_interval(secs => ${options.graceMs / 1000})
        order by created_at
        limit ${options.limit ?? 500}`,
  );
  await Promise.all(rows.map((row) => audit.append(foldedRecord(row))));
  return rows.length;
}

function foldedRecord(row: IntentRow): AuditRecordInput {
  return {
    occurredAt: row.occurred_at,
    requestId: row.request_id,
    actorType: 'partner',
    actorId: row.partner_id,
    partnerId: row.partner_id,
    fintechId: row.fintech_id,
    tokenId: row.token_id,
    action: 'partner.call',
    method: row.method,
    endpoint: row.endpoint,
    product: row.product,
    decision: 'error',
    reason: OUTCOME_UNKNOWN,
    httpStatus: 0,
    plaidRequestId: null,
    plaidStatus: null,
    latencyMs: 0,
    clientIp: row.client_ip,
    userAgent: row.user_agent,
    details: typeof row.details === 'string' ? JSON.parse(row.details) : row.details,
    intent: 'claim',
  };
}

/**
 * Node: folds at start and then every `intervalMs` (timer unref'd: it never
 * keeps the process alive). Answers a stop function.
 */
export function startIntentSweeper(
  db: Database,
  audit: AuditSink,
  options: { graceMs: number; intervalMs: number; log: Pick<Logger, 'warn' | 'info'> },
): () => void {
  let running = false;
  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      const examined = await foldStaleIntents(db, audit, { graceMs: options.graceMs });
      if (examined > 0) options.log.warn('audit intents without an outcome folded as outcome_unknown', { examined });
    } catch (err) {
      options.log.warn('audit intent sweep failed', { error: err instanceof Error ? err.name : 'unknown' });
    } finally {
      running = false;
    }
  };
  void sweep();
  const timer = setInterval(() => void sweep(), options.intervalMs);
  (timer as { unref?: () => void }).unref?.();
  return () => clearInterval(timer);
}
