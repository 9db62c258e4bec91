import { sql } from 'drizzle-orm';
import { queryRows, type Database } from '../db/database';
import type { Keyring } from './crypto';
import { sealContext } from './tokens';

/**
 * Encryption-key rotation: re-seals every sealed value under the keyring's
 * current key, i.e. the first entry of GATEWAY_ENCRYPTION_KEY.
 *
 * Procedure: put the new key first and keep the old ones after it
 * (`k2:<new>,k1:<old>`), restart or redeploy every instance, run
 * `npm run cli -- keys rotate`, check `keys status` shows nothing under old ids,
 * then drop the old keys from GATEWAY_ENCRYPTION_KEY.
 *
 * Rows are processed in id order in small batches. Each update is conditional
 * on the row still holding the value that was read, so a concurrent change (a
 * PATCH of the Plaid secret, a webhook secret rotation) is never overwritten;
 * such rows are already under the current key. Running it twice is harmless.
 */

/**
 * Every sealed value the gateway stores: where it lives and the additional
 * data it is sealed with. A new sealed column is added here and nowhere else.
 */
const SEALED_COLUMNS = [
  { name: 'partners', table: 'partners', id: 'id', value: 'plaid_secret_sealed', keyId: 'plaid_secret_key_id', context: sealContext.plaidSecret },
  { name: 'tokens', table: 'processor_tokens', id: 'id', value: 'raw_sealed', keyId: 'raw_key_id', context: sealContext.rawToken },
  { name: 'webhook_secrets', table: 'webhook_destinations', id: 'id', value: 'secret_sealed', keyId: 'secret_key_id', context: sealContext.webhookSecret },
  {
    name: 'webhook_previous_secrets',
    table: 'webhook_destinations',
    id: 'id',
    value: 'previous_secret_sealed',
    keyId: 'previous_secret_key_id',
    context: sealContext.webhookSecret,
  },
  { name: 'webhook_signing_keys', table: 'webhook_signing_keys', id: 'kid', value: 'private_sealed', keyId: 'private_key_id', context: sealContext.webhookSigningKey },
] as const;

type SealedColumnName = (typeof SEALED_COLUMNS)[number]['name'];
export type SealedCounts = Record<SealedColumnName, number>;

export type RotationReport = { currentKeyId: string } & SealedCounts & {
  /** Rows that changed under our feet (already re-sealed by someone else). */
  skipped: number;
};

const zeroCounts = (): SealedCounts =>
  Object.fromEntries(SEALED_COLUMNS.map((c) => [c.name, 0])) as SealedCounts;

export async function rotateKeys(
  deps: { db: Database; keyring: Keyring },
  options: { batchSize?: number } = {},
): Promise<RotationReport> {
  const { db, keyring } = deps;
  const current = keyring.currentKeyId;
  const batchSize = options.batchSize ?? 100;
  const report: RotationReport = { currentKeyId: current, ...zeroCounts(), skipped: 0 };

  for (const column of SEALED_COLUMNS) {
    const [table, id, value, keyId] = [column.table, column.id, column.value, column.keyId].map((n) => sql.identifier(n));
    let after = '';
    for (;;) {
      const rows = await queryRows<{ id: string; value: string; key_id: string }>(
        db,
        sql`select ${id} as id, ${value} as value, ${keyId} as key_id from ${table}
             where ${value} is not null and ${keyId} <> ${current} and ${id} > ${after}
             order by ${id} limit ${batchSize}`,
      );
      if (rows.length === 0) break;
      for (const row of rows) {
        const context = column.context(row.id);
        const plain = await keyring.open({ keyId: row.key_id, value: row.value }, context);
        const sealed = await keyring.seal(plain, context);
        const done = await queryRows(
          db,
          sql`update ${table} set ${value} = ${sealed.value}, ${keyId} = ${sealed.keyId}
               where ${id} = ${row.id} and ${value} = ${row.value} returning ${id}`,
        );
        if (done.length > 0) report[column.name]++;
        else report.skipped++;
      }
      after = rows[rows.length - 1]!.id;
    }
  }
  return report;
}

/** How many sealed values each key id holds (to know when an old key can go). */
export async function sealedKeyUsage(db: Database): Promise<Record<string, Partial<SealedCounts>>> {
  const out: Record<string, Partial<SealedCounts>> = {};
  for (const column of SEALED_COLUMNS) {
    const rows = await queryRows<{ key_id: string; n: number }>(
      db,
      sql`select ${sql.identifier(column.keyId)} as key_id, count(*)::int as n from ${sql.identifier(column.table)}
           where ${sql.identifier(column.value)} is not null group by 1`,
    );
    for (const row of rows) (out[row.key_id] ??= {})[column.name] = Number(row.n);
  }
  return out;
}
