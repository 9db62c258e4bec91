/**
 * Chain versions: each record stores the version of the field list its hash
 * covers, so the record can grow without breaking older records. A trail
 * written partly by a gateway from before versions (version 1: no
 * chain_version in the payload, a version-1 encoding) and partly by this one
 * (version 2) verifies end to end, and the version itself is protected by the
 * hash.
 */
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { canonicalRecord, canonicalTail } from '../../src/audit/canonical';
import { createAuditWriter, prepareRecord } from '../../src/audit/postgres-writer';
import { CHAIN_VERSIONS, CURRENT_CHAIN_VERSION, STORED_FIELDS } from '../../src/audit/record';
import { fetchRecords } from '../../src/audit/query';
import { verifyChain } from '../../src/audit/verify';
import { queryRows, type Database, type DatabaseHandle } from '../../src/db/database';
import { openTestDatabase } from '../support/db';
import { record, tamper } from '../support/audit';

const open: DatabaseHandle[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});
async function fresh(): Promise<Database> {
  const handle = await openTestDatabase();
  open.push(handle);
  return handle.db;
}

/**
 * Appends one record exactly as a gateway from before chain versions did: the
 * same append function, a payload without chain_version, and the version-1
 * canonical tail.
 */
async function appendAsVersion1(db: Database, overrides: Parameters<typeof record>[0] = {}): Promise<void> {
  const { chain_version: _dropped, intent: _none, ...content } = prepareRecord(record(overrides));
  const tail = canonicalRecord({ seq: 0, ...content }).slice('{"seq":0'.length);
  await db.execute(sql`select gw_audit_append(${JSON.stringify([{ ...content, tail }])}::text::jsonb, 5000)`);
}

async function versions(db: Database): Promise<number[]> {
  const rows = await queryRows<{ v: number }>(db, sql`select chain_version::int as v from audit_events order by seq`);
  return rows.map((r) => Number(r.v));
}

describe('audit chain versions', () => {
  it('a chain mixing version-1 and current records verifies, each record hashed with its own version', async () => {
    const db = await fresh();
    const writer = createAuditWriter(db, { groupCommit: false });
    await appendAsVersion1(db, { action: 'old.before' });
    await writer.append(record({ action: 'new.one' }));
    await appendAsVersion1(db, { action: 'old.rolling_deploy' });
    await writer.append(record({ action: 'new.two' }));

    expect(await versions(db)).toEqual([1, CURRENT_CHAIN_VERSION, 1, CURRENT_CHAIN_VERSION]);
    expect(await verifyChain(db)).toMatchObject({ ok: true, checked: 4, to_seq: 4 });
    // The API and export show the version of each record.
    const stored = await fetchRecords(db, {}, { limit: 10 });
    expect(stored.map((r) => r.chain_version)).toEqual([1, CURRENT_CHAIN_VERSION, 1, CURRENT_CHAIN_VERSION]);
    expect(Object.keys(stored[0]!)).toEqual([...STORED_FIELDS]);
    expect(STORED_FIELDS.slice(-3)).toEqual(['chain_version', 'prev_hash', 'hash']);
  });

  it('the version is part of what the current version hashes: relabelling a record fails verification', async () => {
    const db = await fresh();
    const writer = createAuditWriter(db, { groupCommit: false });
    await appendAsVersion1(db);
    await writer.append(record());
    await writer.append(record());
    // Claiming a current record was version 1 (to escape a field the newer version hashes)...
    await tamper(db, sql`update audit_events set chain_version = 1 where seq = 2`);
    expect(await verifyChain(db)).toMatchObject({ ok: false, first_bad_seq: 2, reason: 'hash_mismatch' });
  });

  it('relabelling a version-1 record as current fails verification too', async () => {
    const db = await fresh();
    await appendAsVersion1(db);
    await appendAsVersion1(db);
    await tamper(db, sql`update audit_events set chain_version = 2 where seq = 1`);
    expect(await verifyChain(db)).toMatchObject({ ok: false, first_bad_seq: 1, reason: 'hash_mismatch' });
  });

  it('a version the verifier does not know is reported at its record, not thrown', async () => {
    const db = await fresh();
    const writer = createAuditWriter(db, { groupCommit: false });
    await writer.append(record());
    await tamper(db, sql`update audit_events set chain_version = 99 where seq = 1`);
    const result = await verifyChain(db);
    expect(result).toMatchObject({ ok: false, first_bad_seq: 1, reason: 'hash_mismatch' });
    expect(result.message).toContain('chain version 99');
  });

  it('each version lists seq first and the current version hashes its own number', () => {
    for (const fields of Object.values(CHAIN_VERSIONS)) expect(fields[0]).toBe('seq');
    expect(CHAIN_VERSIONS[CURRENT_CHAIN_VERSION]).toContain('chain_version');
    expect(CHAIN_VERSIONS[1]).not.toContain('chain_version');
    // The writer's tail is the current encoding without its seq.
    const content = prepareRecord(record());
    const { intent: _none, ...withoutIntent } = content;
    expect(`{"seq":7${canonicalTail(withoutIntent)}`).toBe(canonicalRecord({ seq: 7, ...withoutIntent }));
    expect(canonicalTail(withoutIntent).startsWith(`,"chain_version":${CURRENT_CHAIN_VERSION},`)).toBe(true);
  });
});
