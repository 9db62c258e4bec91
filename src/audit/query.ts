/**
 * Reading the audit trail: filters, keyset pagination by seq, and the one row
 * mapping shared by the events API, the export, verification and the CLI.
 *
 * Rows are read with raw SQL that casts every column to a driver-neutral form
 * (seq as text, occurred_at as the canonical ISO string, details as JSON text),
 * so PGlite and postgres.js hand back exactly the values that were hashed.
 */
import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Database, type Transaction } from '../db/database';
import { TOKEN_DENIAL_REASONS } from '../tenancy/admission';
import { OCCURRED_AT_SQL, type StoredRecord } from './canonical';

export type Decision = 'allow' | 'deny' | 'error';

export interface AuditFilters {
  partnerId?: string;
  fintechId?: string;
  /** Gateway token id (`tok_...`), never the token itself. */
  tokenId?: string;
  endpoint?: string;
  decision?: Decision;
  /** Inclusive lower bound on occurred_at (ISO). */
  from?: string;
  /** Exclusive upper bound on occurred_at (ISO). */
  to?: string;
  /**
   * A partner-scoped reader: reasons are shown as the partner was answered,
   * so every token reason reads `invalid_processor_token` (see reasonColumn).
   */
  partnerView?: boolean;
}

/** What a partner-scoped reader sees in place of each token reason. */
export const PARTNER_VIEW_TOKEN_REASON = 'invalid_processor_token';

/**
 * The `reason` column as the reader may see it. For a partner-scoped reader,
 * the token reasons (which tell another partner's token from an unknown one,
 * an existence oracle the partner API itself never gives) all read
 * `invalid_processor_token`, what the partner was answered. Those records then
 * no longer re-hash from this view; the server still verifies the chain.
 */
export function reasonColumn(f: Pick<AuditFilters, 'partnerView'>): SQL {
  if (!f.partnerView) return sql`reason`;
  return sql`(case when reason in (${sql.join(
    TOKEN_DENIAL_REASONS.map((r) => sql`${r}`),
    sql`, `,
  )}) then ${PARTNER_VIEW_TOKEN_REASON} else reason end)`;
}

export type Order = 'asc' | 'desc';

export interface PageOptions {
  /** Keyset: only records after (asc) or before (desc) this seq. */
  afterSeq?: number;
  /** Never read past this seq (exports and verification bound themselves at start). */
  maxSeq?: number;
  minSeq?: number;
  order?: Order;
  limit: number;
}

const selectColumns = (f: AuditFilters) => sql`seq::text as seq, ${OCCURRED_AT_SQL} as occurred_at, request_id, actor_type, actor_id,
  partner_id, fintech_id, token_id, action, method, endpoint, product, decision, ${reasonColumn(f)} as reason, http_status,
  plaid_request_id, plaid_status, latency_ms, client_ip, user_agent, details::text as details, prev_hash, hash`;

export function filterConditions(f: AuditFilters): SQL[] {
  const where: SQL[] = [];
  if (f.partnerId !== undefined) where.push(sql`partner_id = ${f.partnerId}`);
  if (f.fintechId !== undefined) where.push(sql`fintech_id = ${f.fintechId}`);
  if (f.tokenId !== undefined) where.push(sql`token_id = ${f.tokenId}`);
  if (f.endpoint !== undefined) where.push(sql`endpoint = ${f.endpoint}`);
  if (f.decision !== undefined) where.push(sql`decision = ${f.decision}`);
  if (f.from !== undefined) where.push(sql`occurred_at >= ${f.from}::timestamptz`);
  if (f.to !== undefined) where.push(sql`occurred_at < ${f.to}::timestamptz`);
  return where;
}

/** One page of records matching `filters`, in seq order. */
export async function fetchRecords(
  db: Database | Transaction,
  filters: AuditFilters,
  page: PageOptions,
): Promise<StoredRecord[]> {
  const order = page.order ?? 'asc';
  const where = filterConditions(filters);
  if (page.afterSeq !== undefined) {
    where.push(order === 'asc' ? sql`seq > ${page.afterSeq}` : sql`seq < ${page.afterSeq}`);
  }
  if (page.maxSeq !== undefined) where.push(sql`seq <= ${page.maxSeq}`);
  if (page.minSeq !== undefined) where.push(sql`seq >= ${page.minSeq}`);
  const whereSql = where.length > 0 ? sql` where ${sql.join(where, sql` and `)}` : sql``;
  const rows = await queryRows<Record<string, unknown>>(
    db,
    sql`select ${selectColumns(filters)} from audit_events${whereSql} order by audit_events.seq ${sql.raw(order)} limit ${page.limit}`,
  );
  return rows.map(toStoredRecord);
}

/** How many of the records with seq in from..to are the partner's. */
export async function countPartnerRecords(db: Database | Transaction, partnerId: string, from: number, to: number): Promise<number> {
  const [row] = await queryRows<{ n: string }>(
    db,
    sql`select count(*)::text as n from audit_events where partner_id = ${partnerId} and seq between ${from} and ${to}`,
  );
  return Number(row?.n ?? 0);
}

/** Highest seq in the table (0 when empty). */
export async function maxSeq(db: Database | Transaction): Promise<number> {
  const [row] = await queryRows<{ max: string | number | null }>(db, sql`select max(seq)::text as max from audit_events`);
  return row?.max ? Number(row.max) : 0;
}

/** The hash stored at one seq, or undefined when that record does not exist. */
export async function hashAt(db: Database | Transaction, seq: number): Promise<string | undefined> {
  const [row] = await queryRows<{ hash: string }>(db, sql`select hash from audit_events where seq = ${seq}`);
  return row?.hash;
}

function toStoredRecord(row: Record<string, unknown>): StoredRecord {
  const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  let details: Record<string, unknown> = {};
  const raw = row.details;
  if (typeof raw === 'string') details = JSON.parse(raw) as Record<string, unknown>;
  else if (raw && typeof raw === 'object') details = raw as Record<string, unknown>;
  return {
    seq: Number(row.seq),
    occurred_at: String(row.occurred_at),
    request_id: String(row.request_id),
    actor_type: String(row.actor_type),
    actor_id: str(row.actor_id),
    partner_id: str(row.partner_id),
    fintech_id: str(row.fintech_id),
    token_id: str(row.token_id),
    action: String(row.action),
    method: String(row.method),
    endpoint: String(row.endpoint),
    product: str(row.product),
    decision: String(row.decision),
    reason: str(row.reason),
    http_status: Number(row.http_status),
    plaid_request_id: str(row.plaid_request_id),
    plaid_status: num(row.plaid_status),
    latency_ms: Number(row.latency_ms),
    client_ip: str(row.client_ip),
    user_agent: str(row.user_agent),
    details,
    prev_hash: String(row.prev_hash),
    hash: String(row.hash),
  };
}

/** Opaque cursor for keyset pagination: the last seq served and the order. */
export function encodeCursor(seq: number, order: Order): string {
  return btoa(`v1:${order}:${seq}`).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

export function decodeCursor(cursor: string): { seq: number; order: Order } | undefined {
  try {
    const text = atob(cursor.replace(/-/g, '+').replace(/_/g, '/'));
    const match = /^v1:(asc|desc):(\d{1,15})$/.exec(text);
    if (!match) return undefined;
    return { order: match[1] as Order, seq: Number(match[2]) };
  } catch {
    return undefined;
  }
}
