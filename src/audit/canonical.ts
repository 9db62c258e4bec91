/**
 * The audit chain's canonical encoding and hash (spec in docs/audit.md).
 *
 *   hash = lowercase hex SHA-256 of the UTF-8 bytes of  prev_hash || canonical(record)
 *
 * `prev_hash` is the previous record's `hash` (64 lowercase hex characters), or
 * GENESIS_HASH (64 zeros) for seq 1. `canonical(record)` is a JSON object with
 * every field its chain version hashes (CHAIN_VERSIONS in src/audit/record.ts),
 * in that order, no whitespace, where:
 * - `seq` is the record's position (1, 2, 3, ... with no gaps);
 * - `chain_version` (from version 2) is the version's number;
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
import { sql, type SQL } from 'drizzle-orm';
import { sha256Hex } from '../lib/ids';
import { CHAIN_VERSIONS, type ChainRecord } from './record';

/** A record to encode: its fields by their snake_case names (chain_version absent: version 1). */
type Encodable = { seq: number; chain_version?: number; details?: Record<string, unknown> } & Record<string, unknown>;

export const GENESIS_HASH = '0'.repeat(64);

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

/**
 * The canonical encoding of one record, with the fields of the record's own
 * chain version (a record without one predates versions: version 1).
 */
export function canonicalRecord(record: Encodable): string {
  return `{${encodeFields(record, hashedFields(record), 0)}}`;
}

/**
 * The canonical encoding without its opening `{"seq":N`: what the gateway hands
 * the database, which numbers the record and hashes
 * `prev_hash || '{"seq":' || seq || tail` in the append statement (seq is
 * known only there). Same bytes as canonicalRecord() once seq is filled in:
 * every version hashes `seq` first, so the tail is the other fields.
 */
export function canonicalTail(record: Omit<ChainRecord, 'seq'>): string {
  return `,${encodeFields(record as Omit<Encodable, 'seq'>, hashedFields(record), 1)}}`;
}

/** Per chain version: each hashed field with its encoded key (`"name":`), worked out once. */
const ENCODED_FIELDS: Record<string, ReadonlyArray<readonly [field: string, key: string]> | undefined> = Object.assign(
  Object.create(null),
  Object.fromEntries(
    Object.entries(CHAIN_VERSIONS).map(([version, fields]) => [version, fields.map((field) => [field, `${JSON.stringify(field)}:`] as const)]),
  ),
);

/** The fields a record's chain version hashes (a record without a version predates them: version 1). */
function hashedFields(record: { chain_version?: number }): ReadonlyArray<readonly [string, string]> {
  const version = record.chain_version ?? 1;
  const fields = ENCODED_FIELDS[version];
  if (!fields) throw new RangeError(`audit record: unknown chain version ${version}`);
  return fields;
}

/** `"field":value` for fields[from..], comma-separated. */
function encodeFields(record: Omit<Encodable, 'seq'>, fields: ReadonlyArray<readonly [string, string]>, from: number): string {
  let out = '';
  for (let i = from; i < fields.length; i++) {
    const [field, key] = fields[i]!;
    const value = field === 'details' ? canonicalJson(record.details ?? {}) : JSON.stringify(record[field] ?? null);
    out += i === from ? key + value : `,${key}${value}`;
  }
  return out;
}

export function chainHash(prevHash: string, record: Encodable): Promise<string> {
  return sha256Hex(prevHash + canonicalRecord(record));
}

/**
 * An instant column as the canonical string, computed by the database itself:
 * the same text on PGlite and Postgres, whatever the session's TimeZone or DateStyle.
 */
export function canonicalInstantSql(column: string): SQL {
  return sql`to_char(${sql.identifier(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

export const OCCURRED_AT_SQL = canonicalInstantSql('occurred_at');
