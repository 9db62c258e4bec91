import { asc, eq } from 'drizzle-orm';
import { hashSecret } from '../auth/hash';
import type { Database } from '../db/database';
import { auditors } from '../db/schema';
import { base64url, publicId, randomBytes } from '../lib/ids';
import { invalidReference, nothingToUpdate, unknownId } from './errors';
import { findPartner } from './partners';

/**
 * Auditors (compliance readers of /audit*): the operations behind
 * /admin/auditors and `cli auditors`. The bearer key is shown once (creation,
 * rotation) and stored only as its hash in auditors.key_hash, which is how
 * requireAuditReader() finds it. `partner_id` scopes an auditor to one partner;
 * null means every partner.
 */

export interface AuditorView {
  auditor_id: string;
  name: string;
  partner_id: string | null;
  disabled: boolean;
  created_at: string;
  updated_at: string;
}

export interface UpdateAuditorInput {
  name?: string;
  partner_id?: string | null;
  disabled?: boolean;
}

export const AUDITOR_UPDATABLE_FIELDS = ['name', 'partner_id', 'disabled'];

/** Auditor keys carry a recognisable prefix (handy for secret scanners). */
export const AUDITOR_KEY_PREFIX = 'gwaud_';

export function newAuditorKey(): string {
  return `${AUDITOR_KEY_PREFIX}${base64url(randomBytes(32))}`;
}

type AuditorRow = typeof auditors.$inferSelect;

export function auditorView(row: AuditorRow): AuditorView {
  return {
    auditor_id: row.id,
    name: row.name,
    partner_id: row.partnerId,
    disabled: row.disabled,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

const now = (deps: { clock?: () => Date }) => (deps.clock ? deps.clock() : new Date());

async function checkPartner(db: Database, partnerId: string | null | undefined) {
  if (partnerId && !(await findPartner(db, partnerId))) throw invalidReference('partner_id', 'an existing partner');
}

export async function createAuditor(
  deps: { db: Database; clock?: () => Date },
  input: { name: string; partner_id?: string | null },
): Promise<AuditorView & { key: string }> {
  await checkPartner(deps.db, input.partner_id);
  const key = newAuditorKey();
  const at = now(deps);
  const [row] = await deps.db
    .insert(auditors)
    .values({
      id: publicId('aud'),
      name: input.name,
      partnerId: input.partner_id ?? null,
      keyHash: await hashSecret(key),
      createdAt: at,
      updatedAt: at,
    })
    .returning();
  const view = auditorView(row!);
  const { auditor_id: id, ...rest } = view;
  return { auditor_id: id, key, ...rest };
}

export async function listAuditors(db: Database): Promise<AuditorView[]> {
  const rows = await db.select().from(auditors).orderBy(asc(auditors.createdAt), asc(auditors.id));
  return rows.map(auditorView);
}

export async function getAuditor(db: Database, auditorId: string): Promise<AuditorView> {
  const [row] = await db.select().from(auditors).where(eq(auditors.id, auditorId)).limit(1);
  if (!row) throw unknownId('auditor_id');
  return auditorView(row);
}

export async function updateAuditor(
  deps: { db: Database; clock?: () => Date },
  auditorId: string,
  patch: UpdateAuditorInput,
): Promise<{ auditor: AuditorView; changed: string[] }> {
  const changed: string[] = [];
  const values: Partial<typeof auditors.$inferInsert> = {};
  if (patch.name !== undefined) {
    values.name = patch.name;
    changed.push('name');
  }
  if (patch.partner_id !== undefined) {
    await checkPartner(deps.db, patch.partner_id);
    values.partnerId = patch.partner_id;
    changed.push('partner_id');
  }
  if (patch.disabled !== undefined) {
    values.disabled = patch.disabled;
    changed.push('disabled');
  }
  if (changed.length === 0) throw nothingToUpdate(AUDITOR_UPDATABLE_FIELDS);
  values.updatedAt = now(deps);
  const [row] = await deps.db.update(auditors).set(values).where(eq(auditors.id, auditorId)).returning();
  if (!row) throw unknownId('auditor_id');
  return { auditor: auditorView(row), changed };
}

export async function rotateAuditorKey(
  deps: { db: Database; clock?: () => Date },
  auditorId: string,
): Promise<AuditorView & { key: string }> {
  const key = newAuditorKey();
  const [row] = await deps.db
    .update(auditors)
    .set({ keyHash: await hashSecret(key), updatedAt: now(deps) })
    .where(eq(auditors.id, auditorId))
    .returning();
  if (!row) throw unknownId('auditor_id');
  const view = auditorView(row);
  const { auditor_id: id, ...rest } = view;
  return { auditor_id: id, key, ...rest };
}
