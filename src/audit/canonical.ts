/**
 * The audit chain's canonical encoding and hash (spec in docs/audit.md).
 *
 *   hash = lowercase hex SHA-256 of the UTF-8 bytes of  prev_hash || canonical(record)
 *
 * `prev_hash` is the previous record's `hash` (64 lowercase hex characters), or
 * GENESIS_HASH (64 zeros) for seq 1. `canonical(record)` is a JSON object with
 * every field of CHAIN_FIELDS, in that order, no whitespace, where:
 * - `seq` is the record's position (1, 2, 3, ... with no gaps);
 * - `occurred_at` is `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC, milliseconds): exactly what
 *   `Date.prototype.toISOString()` gives, and what the database returns through
 *   OCCURRED_AT_SQL whatever the session time zone or driver;
 * - absent values are `null`, integers are JSON numbers;
 * - `details` is JSON with object keys sorted by UTF-16 code units, recursively
 *   (what JSON.stringify does with such an object), so jsonb's own key order
 *   does not matter.
 *
 * Web Crypto only, so the same code runs on Workers and Node.
 */
import { sql } from 'drizzle-orm';
import { sha256Hex } from '../lib/ids';

export const GENESIS_HASH = '0'.repeat(64);

/** The chained record, with the API's (snake_case) field names. */
export interface ChainRecord {
  seq: number;
  occurred_at: string;
  request_id: string;
  actor_type: string;
  actor_id: string | null;
  partner_id: string | null;
  fintech_id: string | null;
  token_id: string | null;
  action: string;
  method: string;
  endpoint: string;
  product: string | null;
  decision: string;
  reason: string | null;
  http_status: number;
  plaid_request_id: string | null;
  plaid_status: number | null;
  latency_ms: number;
  client_ip: string | null;
  user_agent: string | null;
  details: Record<string, unknown>;
}

/** Stored record: the chained fields plus the chain itself. */
export interface StoredRecord extends ChainRecord {
  prev_hash: string;
  hash: string;
}

/** The hashed fields, in hashing order. Changing this list is a new chain version. */
export const CHAIN_FIELDS = [
  'seq',
  'occurred_at',
  'request_id',
  'actor_type',
  'actor_id',
  'partner_id',
  'fintech_id',
  'token_id',
  'action',
  'method',
  'endpoint',
  'product',
  'decision',
  'reason',
  'http_status',
  'plaid_request_id',
  'plaid_status',
  'latency_ms',
  'client_ip',
  'user_agent',
  'details',
] as const satisfies readonly (keyof ChainRecord)[];

/** JSON with object keys sorted recursively; arrays keep their order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

/** The canonical encoding of one record (see the module comment). */
export function canonicalRecord(record: ChainRecord): string {
  const parts = CHAIN_FIELDS.map((field) => {
    const value = field === 'details' ? canonicalJson(record.details ?? {}) : JSON.stringify(record[field] ?? null);
    return `${JSON.stringify(field)}:${value}`;
  });
  return `{${parts.join(',')}}`;
}

/**
 * The canonical encoding without its opening `{"seq":N`: what the gateway hands
 * the database, which numbers the record and hashes
 * `prev_hash || '{"seq":' || seq || tail` in the append statement (seq is
 * known only there). Same bytes as canonicalRecord() once seq is filled in.
 */
export function canonicalTail(record: Omit<ChainRecord, 'seq'>): string {
  const full = canonicalRecord({ seq: 0, ...record });
  return full.slice(SEQ_PREFIX_ZERO.length);
}
const SEQ_PREFIX_ZERO = '{"seq":0';

export function chainHash(prevHash: string, record: ChainRecord): Promise<string> {
  return sha256Hex(prevHash + canonicalRecord(record));
}

/** Normalizes an instant to the canonical `YYYY-MM-DDTHH:MM:SS.mmmZ`; throws on an invalid date. */
export function canonicalInstant(value: string | Date): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) throw new RangeError('audit record: occurred_at is not a valid instant');
  return date.toISOString();
}

/**
 * occurred_at as the canonical string, computed by the database itself: the same
 * text on PGlite and Postgres, whatever the session's TimeZone or DateStyle.
 */
export const OCCURRED_AT_SQL = sql.raw(`to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);
