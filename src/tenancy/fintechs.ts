import { asc, eq } from 'drizzle-orm';
import { hashSecret } from '../auth/hash';
import type { Database } from '../db/database';
import { fintechs } from '../db/schema';
import { publicId, randomSecret } from '../lib/ids';
import { nothingToUpdate, unknownId } from './errors';

/**
 * Fintechs: the operations behind /admin/fintechs and `cli fintechs`. The
 * gateway secret is shown once (creation, rotation) and stored only as a hash.
 * Disabling a fintech shuts its API access; tokens it already handed out keep
 * working for partners until it (or the operator, re-enabling it) revokes them.
 */

export interface FintechView {
  fintech_id: string;
  name: string;
  client_id: string;
  disabled: boolean;
  created_at: string;
  updated_at: string;
}

export interface UpdateFintechInput {
  name?: string;
  disabled?: boolean;
}

export const FINTECH_UPDATABLE_FIELDS = ['name', 'disabled'];

type FintechRow = typeof fintechs.$inferSelect;

export function fintechView(row: FintechRow): FintechView {
  return {
    fintech_id: row.id,
    name: row.name,
    client_id: row.clientId,
    disabled: row.disabled,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

const now = (deps: { clock?: () => Date }) => (deps.clock ? deps.clock() : new Date());

export async function createFintech(
  deps: { db: Database; clock?: () => Date },
  input: { name: string },
): Promise<FintechView & { secret: string }> {
  const secret = randomSecret();
  const at = now(deps);
  const [row] = await deps.db
    .insert(fintechs)
    .values({
      id: publicId('ftc'),
      name: input.name,
      clientId: publicId('cli'),
      secretHash: await hashSecret(secret),
      createdAt: at,
      updatedAt: at,
    })
    .returning();
  const view = fintechView(row!);
  const { fintech_id: id, client_id: clientId, ...rest } = view;
  return { fintech_id: id, client_id: clientId, secret, ...rest };
}

export async function listFintechs(db: Database): Promise<FintechView[]> {
  const rows = await db.select().from(fintechs).orderBy(asc(fintechs.createdAt), asc(fintechs.id));
  return rows.map(fintechView);
}

export async function getFintech(db: Database, fintechId: string): Promise<FintechView> {
  const [row] = await db.select().from(fintechs).where(eq(fintechs.id, fintechId)).limit(1);
  if (!row) throw unknownId('fintech_id');
  return fintechView(row);
}

export async function updateFintech(
  deps: { db: Database; clock?: () => Date },
  fintechId: string,
  patch: UpdateFintechInput,
): Promise<{ fintech: FintechView; changed: string[] }> {
  const changed: string[] = [];
  const values: Partial<typeof fintechs.$inferInsert> = {};
  if (patch.name !== undefined) {
    values.name = patch.name;
    changed.push('name');
  }
  if (patch.disabled !== undefined) {
    values.disabled = patch.disabled;
    changed.push('disabled');
  }
  if (changed.length === 0) throw nothingToUpdate(FINTECH_UPDATABLE_FIELDS);
  values.updatedAt = now(deps);
  const [row] = await deps.db.update(fintechs).set(values).where(eq(fintechs.id, fintechId)).returning();
  if (!row) throw unknownId('fintech_id');
  return { fintech: fintechView(row), changed };
}

export async function rotateFintechSecret(
  deps: { db: Database; clock?: () => Date },
  fintechId: string,
): Promise<FintechView & { secret: string }> {
  const secret = randomSecret();
  const [row] = await deps.db
    .update(fintechs)
    .set({ secretHash: await hashSecret(secret), updatedAt: now(deps) })
    .where(eq(fintechs.id, fintechId))
    .returning();
  if (!row) throw unknownId('fintech_id');
  const view = fintechView(row);
  const { fintech_id: id, client_id: clientId, ...rest } = view;
  return { fintech_id: id, client_id: clientId, secret, ...rest };
}
