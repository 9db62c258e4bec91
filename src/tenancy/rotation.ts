import { and, asc, eq, gt, ne, sql } from 'drizzle-orm';
import type { Database } from '../db/database';
import { partners, processorTokens } from '../db/schema';
import type { Keyring } from './crypto';
import { sealContext } from './tokens';

/**
 * Encryption-key rotation: re-seals every sealed value (partners' Plaid
 * secrets, raw processor tokens) under the keyring's current key, i.e. the
 * first entry of GATEWAY_ENCRYPTION_KEY.
 *
 * Procedure: put the new key first and keep the old ones after it
 * (`k2:<new>,k1:<old>`), restart or redeploy every instance, run
 * `npm run cli -- keys rotate`, check `keys status` shows nothing under old ids,
 * then drop the old keys from GATEWAY_ENCRYPTION_KEY.
 *
 * Rows are processed in id order in small batches. Each update is conditional
 * on the row still holding the value that was read, so a concurrent change (a
 * PATCH of the Plaid secret) is never overwritten; such rows are already under
 * the current key. Running it twice is harmless.
 */

export interface RotationReport {
  currentKeyId: string;
  partners: number;
  tokens: number;
  /** Rows that changed under our feet (already re-sealed by someone else). */
  skipped: number;
}

export async function rotateKeys(
  deps: { db: Database; keyring: Keyring },
  options: { batchSize?: number } = {},
): Promise<RotationReport> {
  const { db, keyring } = deps;
  const current = keyring.currentKeyId;
  const batchSize = options.batchSize ?? 100;
  const report: RotationReport = { currentKeyId: current, partners: 0, tokens: 0, skipped: 0 };

  let after = '';
  for (;;) {
    const rows = await db
      .select({ id: partners.id, value: partners.plaidSecretSealed, keyId: partners.plaidSecretKeyId })
      .from(partners)
      .where(and(ne(partners.plaidSecretKeyId, current), gt(partners.id, after)))
      .orderBy(asc(partners.id))
      .limit(batchSize);
    if (rows.length === 0) break;
    for (const row of rows) {
      const context = sealContext.plaidSecret(row.id);
      const plain = await keyring.open({ keyId: row.keyId, value: row.value }, context);
      const sealed = await keyring.seal(plain, context);
      const done = await db
        .update(partners)
        .set({ plaidSecretSealed: sealed.value, plaidSecretKeyId: sealed.keyId })
        .where(and(eq(partners.id, row.id), eq(partners.plaidSecretSealed, row.value)))
        .returning({ id: partners.id });
      if (done.length > 0) report.partners++;
      else report.skipped++;
    }
    after = rows[rows.length - 1]!.id;
  }

  after = '';
  for (;;) {
    const rows = await db
      .select({ id: processorTokens.id, value: processorTokens.rawSealed, keyId: processorTokens.rawKeyId })
      .from(processorTokens)
      .where(and(ne(processorTokens.rawKeyId, current), gt(processorTokens.id, after)))
      .orderBy(asc(processorTokens.id))
      .limit(batchSize);
    if (rows.length === 0) break;
    for (const row of rows) {
      const context = sealContext.rawToken(row.id);
      const plain = await keyring.open({ keyId: row.keyId, value: row.value }, context);
      const sealed = await keyring.seal(plain, context);
      const done = await db
        .update(processorTokens)
        .set({ rawSealed: sealed.value, rawKeyId: sealed.keyId })
        .where(and(eq(processorTokens.id, row.id), eq(processorTokens.rawSealed, row.value)))
        .returning({ id: processorTokens.id });
      if (done.length > 0) report.tokens++;
      else report.skipped++;
    }
    after = rows[rows.length - 1]!.id;
  }
  return report;
}

/** How many sealed values each key id holds (to know when an old key can go). */
export async function sealedKeyUsage(db: Database): Promise<Record<string, { partners: number; tokens: number }>> {
  const out: Record<string, { partners: number; tokens: number }> = {};
  const partnerRows = await db
    .select({ keyId: partners.plaidSecretKeyId, n: sql<number>`count(*)::int` })
    .from(partners)
    .groupBy(partners.plaidSecretKeyId);
  for (const row of partnerRows) (out[row.keyId] ??= { partners: 0, tokens: 0 }).partners = Number(row.n);
  const tokenRows = await db
    .select({ keyId: processorTokens.rawKeyId, n: sql<number>`count(*)::int` })
    .from(processorTokens)
    .groupBy(processorTokens.rawKeyId);
  for (const row of tokenRows) (out[row.keyId] ??= { partners: 0, tokens: 0 }).tokens = Number(row.n);
  return out;
}
