/**
 * The audit record, defined once. Each field of AUDIT_FIELDS carries its
 * column (name = the key, the API's snake_case name) and the rule the writer
 * applies before hashing. Everything else derives from this table:
 * - the `audit_events` table (src/db/schema.ts spreads the columns in), hence
 *   its migration, the stored row type and the record types below;
 * - the writer's cleaning (cleanRecord) and the append statement, which fills
 *   the row from the record's JSON by column name (gw_audit_append);
 * - the query's select list and row mapping (src/audit/query.ts reads the
 *   column kinds), the API schema (src/routes/audit/api.ts), the export columns
 *   and the page's field list (it shows the fields the API returns, in order);
 * - the hashed field list of the current chain version (CHAIN_VERSIONS).
 *
 * Adding a field: add it here (a nullable column or one with a default, so
 * older rows stay valid), add a chain version listing it (the compiler refuses
 * a current version that does not hash every field), `npm run db:generate`,
 * and fill it where records are built (the compiler names those places).
 * Older records keep verifying with the version stored in them.
 */
import { integer, jsonb, text, timestamp } from 'drizzle-orm/pg-core';
import { cleanText, scrubDetails, scrubId, scrubPath, scrubText } from './scrub';

export const DECISIONS = ['allow', 'deny', 'error'] as const;
export type Decision = (typeof DECISIONS)[number];

const id = (value: string | null) => scrubId(value);
const capped = (max: number) => (value: string) => cleanText(value, max);
const cappedOrNull = (max: number) => (value: string | null) => cleanText(value, max);

export const AUDIT_FIELDS = {
  occurred_at: {
    column: (name: string) => timestamp(name, { withTimezone: true, mode: 'string', precision: 3 }).notNull(),
    clean: (value: string) => canonicalInstant(value),
  },
  request_id: { column: (name: string) => text(name).notNull(), clean: capped(64) },
  /** 'operator' | 'partner' | 'fintech' | 'auditor' | 'anonymous' | 'plaid' (inbound webhooks) | 'gateway' (webhook deliveries) */
  actor_type: { column: (name: string) => text(name).notNull(), clean: capped(32) },
  actor_id: { column: (name: string) => text(name), clean: id },
  partner_id: { column: (name: string) => text(name), clean: id },
  fintech_id: { column: (name: string) => text(name), clean: id },
  token_id: { column: (name: string) => text(name), clean: id },
  /** e.g. 'partner.call', 'auth.failed', 'partner.create', 'token.import' */
  action: { column: (name: string) => text(name).notNull(), clean: capped(64) },
  method: { column: (name: string) => text(name).notNull(), clean: capped(16) },
  endpoint: { column: (name: string) => text(name).notNull(), clean: scrubPath },
  product: { column: (name: string) => text(name), clean: id },
  decision: { column: (name: string) => text(name).$type<Decision>().notNull(), clean: decision },
  reason: { column: (name: string) => text(name), clean: (value: string | null) => scrubText(value, 256) },
  http_status: { column: (name: string) => integer(name).notNull(), clean: int32 },
  plaid_request_id: { column: (name: string) => text(name), clean: id },
  plaid_status: { column: (name: string) => integer(name), clean: (value: number | null) => (value === null ? null : int32(value)) },
  latency_ms: { column: (name: string) => integer(name).notNull(), clean: int32 },
  client_ip: { column: (name: string) => text(name), clean: cappedOrNull(64) },
  user_agent: { column: (name: string) => text(name), clean: (value: string | null) => scrubText(value, 512) },
  /** Non-sensitive detail: which fields were present, what changed (names only). */
  details: {
    column: (name: string) => jsonb(name).$type<Record<string, unknown>>().notNull().default({}),
    clean: (value: Record<string, unknown>) => scrubDetails(value),
  },
};

export type AuditField = keyof typeof AUDIT_FIELDS;
type FieldValue<K extends AuditField> = Parameters<(typeof AUDIT_FIELDS)[K]['clean']>[0];

/** The record's content, as stored and hashed (snake_case: the column and API names). */
export type RecordContent = { [K in AuditField]: ReturnType<(typeof AUDIT_FIELDS)[K]['clean']> };

export type Camel<S extends string> = S extends `${infer H}_${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;

/**
 * The record as code builds it (camelCase), before the writer cleans it.
 * `intent` says what the record does to the request's audit intent (written by
 * the admission before the call went to Plaid): 'release' deletes it with this
 * outcome record; 'claim' appends this record only if it is the one that
 * deletes it (folding, see src/audit/intents.ts).
 */
export type AuditRecordInput = { [K in AuditField as Camel<K>]: FieldValue<K> } & { intent?: 'release' | 'claim' };

export const camel = (field: string) => field.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** Each field with its input (camelCase) name and its rule, in AUDIT_FIELDS order: worked out once, not per record. */
const FIELD_RULES = Object.entries(AUDIT_FIELDS).map(([field, spec]) => ({
  field,
  input: camel(field),
  clean: spec.clean as (value: unknown) => unknown,
}));

/** Cleans every field of a record (throws on an invalid decision or instant), in AUDIT_FIELDS order. */
export function cleanRecord(input: AuditRecordInput): RecordContent {
  return cleanRecordInto({}, input) as RecordContent;
}

/** cleanRecord, adding the fields to `out` (after any it already has). */
export function cleanRecordInto<T extends object>(out: T, input: AuditRecordInput): T & RecordContent {
  const target = out as Record<string, unknown>;
  const source = input as unknown as Record<string, unknown>;
  for (const { field, input: name, clean } of FIELD_RULES) {
    const value = source[name] ?? null;
    target[field] = clean(field === 'details' ? (value ?? {}) : value);
  }
  return out as T & RecordContent;
}

/**
 * What each chain version hashes, in order (see src/audit/canonical.ts for the
 * encoding). A list never changes once records were written with it: a new
 * field means a new version, and each record is verified with the version
 * stored in it. Version 1 (records written before versions existed) does not
 * hash its own number; later versions do, right after `seq`.
 */
export const CHAIN_VERSIONS = {
  1: [
    'seq', 'occurred_at', 'request_id', 'actor_type', 'actor_id', 'partner_id', 'fintech_id', 'token_id', 'action',
    'method', 'endpoint', 'product', 'decision', 'reason', 'http_status', 'plaid_request_id', 'plaid_status',
    'latency_ms', 'client_ip', 'user_agent', 'details',
  ],
  2: [
    'seq', 'chain_version', 'occurred_at', 'request_id', 'actor_type', 'actor_id', 'partner_id', 'fintech_id',
    'token_id', 'action', 'method', 'endpoint', 'product', 'decision', 'reason', 'http_status', 'plaid_request_id',
    'plaid_status', 'latency_ms', 'client_ip', 'user_agent', 'details',
  ],
} as const satisfies Record<number, readonly (AuditField | 'seq' | 'chain_version')[]>;

export type ChainVersion = keyof typeof CHAIN_VERSIONS;
/** The version new records are written with. */
export const CURRENT_CHAIN_VERSION = 2 satisfies ChainVersion;

// The current version must hash every field: a field added to AUDIT_FIELDS
// without a new chain version fails to compile here.
type Unhashed = Exclude<AuditField, (typeof CHAIN_VERSIONS)[typeof CURRENT_CHAIN_VERSION][number]>;
const everyFieldHashed: [Unhashed] extends [never] ? true : { unhashed: Unhashed } = true;
void everyFieldHashed;

/** The fields every stored record has besides its content, in the order the API shows them. */
export type ChainRecord = { seq: number; chain_version: ChainVersion } & RecordContent;
export type StoredRecord = ChainRecord & { prev_hash: string; hash: string };

/** Every stored field in API (and export) order: the content, then the chain's own fields. */
export const STORED_FIELDS = [
  'seq',
  ...(Object.keys(AUDIT_FIELDS) as AuditField[]),
  'chain_version',
  'prev_hash',
  'hash',
] as const satisfies readonly (keyof StoredRecord)[];

function decision(value: Decision): Decision {
  if (!(DECISIONS as readonly string[]).includes(value)) throw new TypeError('audit record: decision must be allow, deny or error');
  return value;
}

/** Normalizes an instant to the canonical `YYYY-MM-DDTHH:MM:SS.mmmZ`; throws on an invalid date. */
export function canonicalInstant(value: string | Date): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) throw new RangeError('audit record: occurred_at is not a valid instant');
  return date.toISOString();
}

function int32(value: number): number {
  if (!Number.isFinite(value)) return 0;
  return Math.min(2_147_483_647, Math.max(-2_147_483_648, Math.round(value)));
}
