/**
 * The gateway's tables. `drizzle-kit generate` turns this file into the SQL
 * migrations in drizzle/ (plus hand-written ones for triggers); the same
 * migrations serve PGlite and Postgres.
 *
 * Conventions: public ids are prefixed strings (ptn_, ftc_, aud_, tok_) so they
 * read well in audit records; secrets are stored only as SHA-256 hashes (they
 * are 256-bit random values, so a slow KDF adds nothing); raw Plaid tokens and
 * Plaid secrets are sealed with AES-256-GCM under a key id (see src/tenancy/crypto.ts).
 */
import { sql } from 'drizzle-orm';
import { AUDIT_FIELDS, camel, type Camel, type ChainVersion } from '../audit/record';
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/** The audit record's columns, from its one definition (src/audit/record.ts). */
function auditColumns(): { [K in keyof typeof AUDIT_FIELDS as Camel<K>]: ReturnType<(typeof AUDIT_FIELDS)[K]['column']> } {
  return Object.fromEntries(Object.entries(AUDIT_FIELDS).map(([name, spec]) => [camel(name), spec.column(name)])) as never;
}

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();

/** Per-path override of a limit: `{ "/processor/auth/get": { limit, window_seconds } }`. */
export type RateLimitRules = Record<string, { limit: number; window_seconds: number }>;
export interface RateLimitConfig {
  partner?: RateLimitRules;
  token?: RateLimitRules;
}

export const partners = pgTable(
  'partners',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    /** One of Plaid's `processor` values (e.g. "dwolla"). */
    processor: text('processor').notNull(),
    clientId: text('client_id').notNull(),
    secretHash: text('secret_hash').notNull(),
    plaidClientId: text('plaid_client_id').notNull(),
    /** The partner's Plaid secret, sealed (never stored in clear). */
    plaidSecretSealed: text('plaid_secret_sealed').notNull(),
    plaidSecretKeyId: text('plaid_secret_key_id').notNull(),
    /** Cap on the products this partner may ever use. */
    products: text('products').array().notNull(),
    rateLimits: jsonb('rate_limits').$type<RateLimitConfig>().notNull().default({}),
    disabled: boolean('disabled').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('partners_client_id_idx').on(t.clientId)],
);

export const fintechs = pgTable(
  'fintechs',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    clientId: text('client_id').notNull(),
    secretHash: text('secret_hash').notNull(),
    disabled: boolean('disabled').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('fintechs_client_id_idx').on(t.clientId)],
);

export const auditors = pgTable(
  'auditors',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    /** null: sees every partner; otherwise only this partner's records. */
    partnerId: text('partner_id').references(() => partners.id),
    /** SHA-256 of the bearer key; looked up by hash. */
    keyHash: text('key_hash').notNull(),
    disabled: boolean('disabled').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('auditors_key_hash_idx').on(t.keyHash)],
);

export const processorTokens = pgTable(
  'processor_tokens',
  {
    /** Public id used in audit records (never the token itself). */
    id: text('id').primaryKey(),
    /** SHA-256 of the gateway token handed to the partner. */
    tokenHash: text('token_hash').notNull(),
    fintechId: text('fintech_id')
      .notNull()
      .references(() => fintechs.id),
    partnerId: text('partner_id')
      .notNull()
      .references(() => partners.id),
    /** The raw Plaid processor token, sealed. */
    rawSealed: text('raw_sealed').notNull(),
    rawKeyId: text('raw_key_id').notNull(),
    /** Permission set; empty means every product (Plaid's semantics). */
    products: text('products').array().notNull().default(sql`'{}'::text[]`),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('processor_tokens_token_hash_idx').on(t.tokenHash),
    index('processor_tokens_fintech_idx').on(t.fintechId),
    index('processor_tokens_partner_idx').on(t.partnerId),
  ],
);

/**
 * Rate-limit counters shared by every gateway instance. One row per
 * (bucket key, window start); see src/ratelimit/.
 */
export const rateLimitCounters = pgTable(
  'rate_limit_counters',
  {
    key: text('key').notNull(),
    windowStart: bigint('window_start', { mode: 'number' }).notNull(),
    count: integer('count').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.key, t.windowStart] }), index('rate_limit_counters_expires_idx').on(t.expiresAt)],
);

/**
 * The audit trail: append-only (a trigger refuses UPDATE, DELETE and TRUNCATE,
 * see drizzle/*_audit_append_only.sql) and hash-chained in `seq` order.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    /** Which fields the hash covers (CHAIN_VERSIONS); rows from before versions are 1. */
    chainVersion: smallint('chain_version').$type<ChainVersion>().notNull().default(1),
    ...auditColumns(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    index('audit_events_partner_idx').on(t.partnerId, t.seq),
    index('audit_events_fintech_idx').on(t.fintechId, t.seq),
    index('audit_events_token_idx').on(t.tokenId, t.seq),
    index('audit_events_occurred_idx').on(t.occurredAt),
  ],
);

/**
 * Calls that were admitted and sent to Plaid but whose outcome record is not in
 * the chain yet. The admission statement writes one row per allowed partner call
 * (before anything goes upstream); the audit statement that appends the call's
 * outcome deletes it. A row left behind (the gateway died between Plaid's answer
 * and the audit commit, or the audit write failed) is folded into the chain as
 * an `outcome_unknown` record once it is older than any call can last (see
 * src/audit/intents.ts), so every call that reached Plaid shows in the trail.
 */
export const auditIntents = pgTable(
  'audit_intents',
  {
    requestId: text('request_id').primaryKey(),
    occurredAt: timestamp('occurred_at', { withTimezone: true, mode: 'string', precision: 3 }).notNull(),
    partnerId: text('partner_id').notNull(),
    fintechId: text('fintech_id').notNull(),
    tokenId: text('token_id').notNull(),
    method: text('method').notNull(),
    endpoint: text('endpoint').notNull(),
    product: text('product'),
    clientIp: text('client_ip'),
    userAgent: text('user_agent'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [index('audit_intents_created_idx').on(t.createdAt)],
);

/**
 * Where a token's webhooks go: at most one destination per party (the fintech
 * that imported the token, the partner it was issued to). Each destination has
 * its own signing secret (sealed); after a rotation the previous secret keeps
 * signing beside the new one until `previous_secret_expires_at`. See src/webhooks/.
 */
export const webhookDestinations = pgTable(
  'webhook_destinations',
  {
    id: text('id').primaryKey(),
    tokenId: text('token_id')
      .notNull()
      .references(() => processorTokens.id),
    /** 'fintech' | 'partner' */
    party: text('party').notNull(),
    /** The fintech's or the partner's id. */
    partyId: text('party_id').notNull(),
    url: text('url').notNull(),
    secretSealed: text('secret_sealed').notNull(),
    secretKeyId: text('secret_key_id').notNull(),
    previousSecretSealed: text('previous_secret_sealed'),
    previousSecretKeyId: text('previous_secret_key_id'),
    previousSecretExpiresAt: timestamp('previous_secret_expires_at', { withTimezone: true, mode: 'date' }),
    /** Set when the URL is (re)set: Plaid's next WEBHOOK_UPDATE_ACKNOWLEDGED goes to this destination. */
    ackPending: boolean('ack_pending').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('webhook_destinations_token_party_idx').on(t.tokenId, t.party),
    index('webhook_destinations_party_idx').on(t.party, t.partyId),
  ],
);

/**
 * The delivery queue and its log: one row per webhook per destination. The
 * delivery worker claims due rows with FOR UPDATE SKIP LOCKED and a lease, so
 * two instances never send the same attempt; a crash leaves the row to be
 * claimed again when the lease ends (at-least-once).
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    destinationId: text('destination_id').notNull(),
    tokenId: text('token_id').notNull(),
    party: text('party').notNull(),
    partyId: text('party_id').notNull(),
    webhookType: text('webhook_type').notNull(),
    webhookCode: text('webhook_code').notNull(),
    /** The body as delivered (Plaid's, with item_id mapped for the partner). */
    body: text('body').notNull(),
    /** 'pending' | 'delivered' | 'failed' | 'cancelled' */
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    leaseUntil: timestamp('lease_until', { withTimezone: true, mode: 'date' }),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    /** The delivery this one replays (POST /gateway/webhook/deliveries/replay). */
    replayOf: text('replay_of'),
    deliveredAt: timestamp('delivered_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('webhook_deliveries_due_idx').on(t.nextAttemptAt).where(sql`status = 'pending'`),
    index('webhook_deliveries_party_idx').on(t.party, t.partyId, t.createdAt),
  ],
);

/**
 * The gateway's own ES256 keys for the `Plaid-Verification` JWT on the webhooks
 * it delivers, so a receiver can verify them with Plaid's documented procedure
 * (the key is served by the gateway's /webhook_verification_key/get). The
 * private key is sealed like every other secret; one current key is shared by
 * every instance.
 */
export const webhookSigningKeys = pgTable('webhook_signing_keys', {
  kid: text('kid').primaryKey(),
  privateSealed: text('private_sealed').notNull(),
  privateKeyId: text('private_key_id').notNull(),
  /** The public JWK (kty, crv, x, y), as served. */
  publicJwk: jsonb('public_jwk').$type<Record<string, string>>().notNull(),
  createdAt: createdAt(),
  /** Set when the key is retired: receivers then refuse webhooks signed with it. */
  expiredAt: timestamp('expired_at', { withTimezone: true, mode: 'date' }),
});

/**
 * Points up to which the audit chain has been verified: the seq and the hash
 * the walk ended on. A later verification starts from the newest one (after
 * checking that record's stored hash is still the one saved), so a routine
 * verify costs what was appended since; a full walk is still available.
 */
export const auditCheckpoints = pgTable('audit_checkpoints', {
  seq: bigint('seq', { mode: 'number' }).primaryKey(),
  hash: text('hash').notNull(),
  verifiedAt: timestamp('verified_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

export const schema = {
  partners,
  fintechs,
  auditors,
  processorTokens,
  rateLimitCounters,
  auditEvents,
  auditIntents,
  webhookDestinations,
  webhookDeliveries,
  webhookSigningKeys,
  auditCheckpoints,
};
