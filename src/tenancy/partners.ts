import { asc, eq } from 'drizzle-orm';
import { hashSecret } from '../auth/hash';
import type { Database } from '../db/database';
import { partners, type RateLimitConfig } from '../db/schema';
import { publicId, randomSecret } from '../lib/ids';
import type { Product } from '../plaid/schemas';
import type { Keyring } from './crypto';
import { nothingToUpdate, unknownId } from './errors';
import { DEFAULT_PARTNER_PRODUCTS, type PlaidProcessor, type RateLimitsInput, uniqueList } from './schemas';
import { sealContext } from './tokens';

/**
 * Payment partners: the operations behind /admin/partners and `cli partners`.
 * The partner's gateway secret is returned once (creation, rotation) and stored
 * only as a hash; its Plaid secret is sealed under the keyring's current key.
 */

export interface TenancyDeps {
  db: Database;
  keyring: Keyring;
  clock?: () => Date;
}

export interface PartnerView {
  partner_id: string;
  name: string;
  processor: string;
  client_id: string;
  plaid: { client_id: string };
  products: string[];
  rate_limits: RateLimitConfig;
  disabled: boolean;
  created_at: string;
  updated_at: string;
}

export interface CreatePartnerInput {
  name: string;
  processor: PlaidProcessor;
  plaid: { client_id: string; secret: string };
  products?: Product[];
  rate_limits?: RateLimitsInput;
}

export interface UpdatePartnerInput {
  name?: string;
  products?: Product[];
  rate_limits?: RateLimitsInput;
  disabled?: boolean;
  plaid?: { client_id?: string; secret?: string };
}

export const PARTNER_UPDATABLE_FIELDS = ['name', 'products', 'rate_limits', 'disabled', 'plaid'];

type PartnerRow = typeof partners.$inferSelect;

export function partnerView(row: PartnerRow): PartnerView {
  return {
    partner_id: row.id,
    name: row.name,
    processor: row.processor,
    client_id: row.clientId,
    plaid: { client_id: row.plaidClientId },
    products: row.products,
    rate_limits: row.rateLimits ?? {},
    disabled: row.disabled,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

const now = (deps: { clock?: () => Date }) => (deps.clock ? deps.clock() : new Date());

/** Creates a partner; the answer is the only time its secret is ever shown. */
export async function createPartner(
  deps: TenancyDeps,
  input: CreatePartnerInput,
): Promise<PartnerView & { secret: string }> {
  const id = publicId('ptn');
  const secret = randomSecret();
  const sealed = await deps.keyring.seal(input.plaid.secret, sealContext.plaidSecret(id));
  const at = now(deps);
  const [row] = await deps.db
    .insert(partners)
    .values({
      id,
      name: input.name,
      processor: input.processor,
      clientId: publicId('cli'),
      secretHash: await hashSecret(secret),
      plaidClientId: input.plaid.client_id,
      plaidSecretSealed: sealed.value,
      plaidSecretKeyId: sealed.keyId,
      products: uniqueList(input.products ?? DEFAULT_PARTNER_PRODUCTS),
      rateLimits: normalizeRateLimits(input.rate_limits),
      createdAt: at,
      updatedAt: at,
    })
    .returning();
  const view = partnerView(row!);
  const { partner_id, client_id, ...rest } = view;
  return { partner_id, client_id, secret, ...rest };
}

export async function listPartners(db: Database): Promise<PartnerView[]> {
  const rows = await db.select().from(partners).orderBy(asc(partners.createdAt), asc(partners.id));
  return rows.map(partnerView);
}

/** The partner row, or undefined. */
export async function findPartner(db: Database, partnerId: string): Promise<PartnerRow | undefined> {
  const [row] = await db.select().from(partners).where(eq(partners.id, partnerId)).limit(1);
  return row;
}

/** The partner, or INVALID_REQUEST/NOT_FOUND. */
export async function getPartner(db: Database, partnerId: string): Promise<PartnerView> {
  const row = await findPartner(db, partnerId);
  if (!row) throw unknownId('partner_id');
  return partnerView(row);
}

/**
 * Applies a partial update. `rate_limits` replaces the whole rate-limit object
 * (send `{}` to return to the defaults); `plaid` may carry a new client_id, a
 * new secret (sealed again), or both. Returns the names of the fields supplied,
 * for the audit record (never their values).
 */
export async function updatePartner(
  deps: TenancyDeps,
  partnerId: string,
  patch: UpdatePartnerInput,
): Promise<{ partner: PartnerView; changed: string[] }> {
  const changed: string[] = [];
  const values: Partial<typeof partners.$inferInsert> = {};
  if (patch.name !== undefined) {
    values.name = patch.name;
    changed.push('name');
  }
  if (patch.products !== undefined) {
    values.products = uniqueList(patch.products);
    changed.push('products');
  }
  if (patch.rate_limits !== undefined) {
    values.rateLimits = normalizeRateLimits(patch.rate_limits);
    changed.push('rate_limits');
  }
  if (patch.disabled !== undefined) {
    values.disabled = patch.disabled;
    changed.push('disabled');
  }
  if (patch.plaid?.client_id !== undefined) {
    values.plaidClientId = patch.plaid.client_id;
    changed.push('plaid.client_id');
  }
  if (patch.plaid?.secret !== undefined) {
    const sealed = await deps.keyring.seal(patch.plaid.secret, sealContext.plaidSecret(partnerId));
    values.plaidSecretSealed = sealed.value;
    values.plaidSecretKeyId = sealed.keyId;
    changed.push('plaid.secret');
  }
  if (changed.length === 0) throw nothingToUpdate(PARTNER_UPDATABLE_FIELDS);
  values.updatedAt = now(deps);
  const [row] = await deps.db.update(partners).set(values).where(eq(partners.id, partnerId)).returning();
  if (!row) throw unknownId('partner_id');
  return { partner: partnerView(row), changed };
}

/** Issues a new gateway secret; the old one stops working with this update. */
export async function rotatePartnerSecret(
  deps: Pick<TenancyDeps, 'db' | 'clock'>,
  partnerId: string,
): Promise<PartnerView & { secret: string }> {
  const secret = randomSecret();
  const [row] = await deps.db
    .update(partners)
    .set({ secretHash: await hashSecret(secret), updatedAt: now(deps) })
    .where(eq(partners.id, partnerId))
    .returning();
  if (!row) throw unknownId('partner_id');
  const view = partnerView(row);
  const { partner_id, client_id, ...rest } = view;
  return { partner_id, client_id, secret, ...rest };
}

/** Drops empty groups so stored configs stay canonical (`{}` = every default). */
function normalizeRateLimits(input: RateLimitsInput | undefined): RateLimitConfig {
  const out: RateLimitConfig = {};
  for (const scope of ['partner', 'token'] as const) {
    const rules = input?.[scope];
    if (!rules) continue;
    const entries = Object.entries(rules).filter(([, rule]) => rule !== undefined) as Array<
      [string, { limit: number; window_seconds: number }]
    >;
    if (entries.length > 0) {
      out[scope] = Object.fromEntries(entries.map(([path, r]) => [path, { limit: r.limit, window_seconds: r.window_seconds }]));
    }
  }
  return out;
}
