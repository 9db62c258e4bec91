/**
 * Reading the audit trail: filters, keyset pagination by seq, and the one row
 * mapping shared by the events API, the export, verification and the CLI.
 *
 * Rows are read with raw SQL that casts every column to a driver-neutral form
 * (seq as text, occurred_at as the canonical ISO string, details as JSON text),
 * so PGlite and postgres.js hand back exactly the values that were hashed.
 */
import { getTableColumns, sql, type SQL } from 'drizzle-orm';
import { queryRows, type Database, type Transaction } from '../db/database';
import { auditEvents } from '../db/schema';
import { TOKEN_DENIAL_REASONS } from '../tenancy/admission';
import { canonicalInstantSql } from './canonical';
import { camel, STORED_FIELDS, type Decision, type StoredRecord } from './record';

export type { Decision };

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

/** The stored columns, with their kinds (from the record's one definition through the table). */
const COLUMNS = getTableColumns(auditEvents);

/** The table column of a stored field (its kind: dataType, notNull, columnType). */
export function columnOf(field: (typeof STORED_FIELDS)[number]) {
  return COLUMNS[camel(field) as keyof typeof COLUMNS];
}

/** A column read in a driver-neutral form (see the module comment). */
function selectExpression(field: (typeof STORED_FIELDS)[number], f: AuditFilters): SQL {
  const column = columnOf(field);
  if (field === 'reason') return sql`${reasonColumn(f)} as reason`;
  if (column.columnType === 'PgTimestampString') return sql`${canonicalInstantSql(field)} as ${sql.identifier(field)}`;
  if (column.dataType === 'json' || column.columnType.startsWith('PgBig')) {
    return sql`${sql.identifier(field)}::text as ${sql.identifier(field)}`;
  }
  return sql`${sql.identifier(field)}`;
}

const selectColumns = (f: AuditFilters) => sql.join(STORED_FIELDS.map((field) => selectExpression(field, f)), sql`, `);

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
  const out: Record<string, unknown> = {};
  for (const field of STORED_FIELDS) out[field] = parseColumn(columnOf(field), row[field]);
  return out as StoredRecord;
}

function parseColumn(column: (typeof COLUMNS)[keyof typeof COLUMNS], value: unknown): unknown {
  if (value === null || value === undefined) return column.dataType === 'json' ? {} : null;
  if (column.dataType === 'json') return typeof value === 'string' ? JSON.parse(value) : value;
  if (column.dataType === 'number') return Number(value);
  return String(value);
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
