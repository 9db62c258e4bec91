import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { queryRows, type Database } from '../db/database';
import { webhookDeliveries, webhookDestinations } from '../db/schema';
import { publicId } from '../lib/ids';

/**
 * The durable delivery queue (table webhook_deliveries). A row is one webhook
 * for one destination; it is the delivery log too.
 *
 * - enqueue: rows are inserted in the same request that verified the inbound
 *   webhook, before Plaid is answered 200, so an accepted webhook is never lost.
 * - claim: due rows are taken with FOR UPDATE SKIP LOCKED and leased (the lease
 *   outlasts the receiver timeout); the attempt counter is bumped in the same
 *   statement, so each attempt belongs to exactly one claimer. A claimer that
 *   dies leaves the lease to run out and the row is claimed again.
 * - settle: the outcome of an attempt is written only if the row still holds
 *   that attempt (a slow claimer whose lease ran out cannot overwrite a newer one).
 */

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'cancelled';

export interface NewDelivery {
  destinationId: string;
  tokenId: string;
  party: 'fintech' | 'partner';
  partyId: string;
  webhookType: string;
  webhookCode: string;
  body: string;
  replayOf?: string | null;
}

/** A delivery taken by a claimer, with the number of the attempt it now holds. */
export type ClaimedDelivery = Omit<NewDelivery, 'replayOf'> & { id: string; attempt: number };

export async function enqueueDeliveries(db: Database, deliveries: readonly NewDelivery[]): Promise<string[]> {
  if (deliveries.length === 0) return [];
  const rows = deliveries.map((d) => ({ id: publicId('whk'), ...d, replayOf: d.replayOf ?? null }));
  await db.insert(webhookDeliveries).values(rows);
  return rows.map((r) => r.id);
}

/** Claims up to `limit` due deliveries for `leaseMs`. */
export async function claimDueDeliveries(db: Database, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
  const rows = await queryRows<Record<string, unknown>>(
    db,
    sql`UPDATE webhook_deliveries d
          SET attempts = d.attempts + 1,
              lease_until = now() + make_interval(secs => ${leaseMs / 1000}::double precision),
              updated_at = now()
        FROM (SELECT id FROM webhook_deliveries
               WHERE status = 'pending' AND next_attempt_at <= now()
                 AND (lease_until IS NULL OR lease_until <= now())
               ORDER BY next_attempt_at
               LIMIT ${limit}
               FOR UPDATE SKIP LOCKED) due
       WHERE d.id = due.id
   RETURNING d.id, d.destination_id, d.token_id, d.party, d.party_id, d.webhook_type, d.webhook_code, d.body, d.attempts`,
  );
  return rows.map((r) => ({
    id: String(r.id),
    destinationId: String(r.destination_id),
    tokenId: String(r.token_id),
    party: r.party as ClaimedDelivery['party'],
    partyId: String(r.party_id),
    webhookType: String(r.webhook_type),
    webhookCode: String(r.webhook_code),
    body: String(r.body),
    attempt: Number(r.attempts),
  }));
}

export type AttemptOutcome =
  | { kind: 'delivered'; statusCode: number }
  | { kind: 'retry'; statusCode: number | null; error: string; delayMs: number }
  | { kind: 'failed'; statusCode: number | null; error: string }
  | { kind: 'cancelled'; error: string };

/** Records an attempt's outcome, if the row still holds that attempt. */
export async function settleDelivery(db: Database, delivery: ClaimedDelivery, outcome: AttemptOutcome): Promise<void> {
  const status: DeliveryStatus = outcome.kind === 'retry' ? 'pending' : outcome.kind;
  await db
    .update(webhookDeliveries)
    .set({
      status,
      leaseUntil: null,
      lastStatusCode: 'statusCode' in outcome ? outcome.statusCode : null,
      lastError: 'error' in outcome ? outcome.error : null,
      nextAttemptAt:
        outcome.kind === 'retry' ? sql`now() + make_interval(secs => ${outcome.delayMs / 1000}::double precision)` : undefined,
      deliveredAt: outcome.kind === 'delivered' ? sql`now()` : undefined,
      updatedAt: sql`now()`,
    })
    .where(
      and(
        eq(webhookDeliveries.id, delivery.id),
        eq(webhookDeliveries.attempts, delivery.attempt),
        eq(webhookDeliveries.status, 'pending'),
      ),
    );
}

/**
 * Delay before attempt `attempt + 1`: exponential (base × 2^(attempt-1), at most
 * an hour) with jitter (50–100 % of it), so receivers that come back after an
 * outage are not hit by every queued webhook at the same instant.
 */
export function retryDelayMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(60 * 60 * 1000, baseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling * (0.5 + random() / 2));
}

export interface DeliveryView {
  delivery_id: string;
  processor_token_id: string;
  webhook_type: string;
  webhook_code: string;
  status: DeliveryStatus;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  replay_of: string | null;
  created_at: string;
  next_attempt_at: string | null;
  delivered_at: string | null;
}

/** A party's deliveries, newest first (the delivery log of the party's own destinations). */
export async function listDeliveries(
  db: Database,
  party: { party: 'fintech' | 'partner'; partyId: string },
  filter: { tokenId?: string; status?: DeliveryStatus; count: number },
): Promise<DeliveryView[]> {
  const rows = await db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.party, party.party),
        eq(webhookDeliveries.partyId, party.partyId),
        filter.tokenId ? eq(webhookDeliveries.tokenId, filter.tokenId) : undefined,
        filter.status ? eq(webhookDeliveries.status, filter.status) : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(filter.count);
  return rows.map((r) => ({
    delivery_id: r.id,
    processor_token_id: r.tokenId,
    webhook_type: r.webhookType,
    webhook_code: r.webhookCode,
    status: r.status as DeliveryStatus,
    attempts: r.attempts,
    last_status_code: r.lastStatusCode,
    last_error: r.lastError,
    replay_of: r.replayOf,
    created_at: r.createdAt.toISOString(),
    next_attempt_at: r.status === 'pending' ? r.nextAttemptAt.toISOString() : null,
    delivered_at: r.deliveredAt?.toISOString() ?? null,
  }));
}

/**
 * Queues a delivery again for the party that received it, to the destination's
 * current URL and secrets. Answers the new delivery's id, or undefined when the
 * delivery is not the party's or its destination no longer exists.
 */
export async function replayDelivery(
  db: Database,
  party: { party: 'fintech' | 'partner'; partyId: string },
  deliveryId: string,
): Promise<{ deliveryId: string; tokenId: string } | undefined> {
  const [row] = await db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.id, deliveryId),
        eq(webhookDeliveries.party, party.party),
        eq(webhookDeliveries.partyId, party.partyId),
      ),
    )
    .limit(1);
  if (!row) return undefined;
  const [destination] = await db
    .select({ id: webhookDestinations.id })
    .from(webhookDestinations)
    .where(and(eq(webhookDestinations.tokenId, row.tokenId), eq(webhookDestinations.party, party.party)))
    .limit(1);
  if (!destination) return undefined;
  const [id] = await enqueueDeliveries(db, [
    {
      destinationId: destination.id,
      tokenId: row.tokenId,
      party: party.party,
      partyId: party.partyId,
      webhookType: row.webhookType,
      webhookCode: row.webhookCode,
      body: row.body,
      replayOf: row.id,
    },
  ]);
  return { deliveryId: id!, tokenId: row.tokenId };
}

/** Destinations by id (for a batch of claimed deliveries). */
export async function destinationsById(db: Database, ids: readonly string[]) {
  if (ids.length === 0) return new Map<string, typeof webhookDestinations.$inferSelect>();
  const rows = await db.select().from(webhookDestinations).where(inArray(webhookDestinations.id, [...new Set(ids)]));
  return new Map(rows.map((r) => [r.id, r]));
}
