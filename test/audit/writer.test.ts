/**
 * The writer and the chain: what is stored, one total order under concurrency
 * (group commit, several writer instances, several pools), the database's
 * refusal to change records, and verification naming the record that was
 * tampered with.
 */
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { canonicalRecord, chainHash, GENESIS_HASH } from '../../src/audit/canonical';
import { createAuditWriter, PostgresAuditWriter } from '../../src/audit/postgres-writer';
import { REDACTED } from '../../src/audit/scrub';
import { verifyChain } from '../../src/audit/verify';
import { queryRows, type Database, type DatabaseHandle } from '../../src/db/database';
import { openPostgres } from '../../src/db/postgres';
import { openTestDatabase, usingPostgres, type TestDatabase } from '../support/db';
import { auditChainRows, record, tamper } from '../support/audit';

const open: DatabaseHandle[] = [];
async function fresh(): Promise<TestDatabase> {
  const db = await openTestDatabase();
  open.push(db);
  return db;
}
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

/** Counts transactions begun on a database handle. */
/**
 * The database handle with its driver wrapped: `before()` runs before every
 * statement sent through the driver (the writer's append statement goes there,
 * not through drizzle's query builder) and may throw to fail it.
 */
function wrapDriver(db: Database, before: () => void): Database {
  const client = (db as unknown as { $client: Record<string, unknown> }).$client;
  const driver = new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if ((prop === 'unsafe' || prop === 'query') && typeof value === 'function') {
        return (...args: unknown[]) => {
          try {
            before();
          } catch (err) {
            return Promise.reject(err);
          }
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return value;
    },
  });
  return new Proxy(db, {
    get: (target, prop, receiver) => (prop === '$client' ? driver : Reflect.get(target, prop, receiver)),
  });
}

/** Counts the statements (each one transaction) the writer sends. */
function countingDb(db: Database): { db: Database; transactions: () => number } {
  let count = 0;
  return { db: wrapDriver(db, () => void (count += 1)), transactions: () => count };
}

/** The database's message of a failed query (drizzle wraps it as the cause). */
async function failure(query: Promise<unknown>): Promise<string> {
  try {
    await query;
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause;
    return `${(err as Error).message} ${cause?.message ?? ''}`;
  }
  return 'no error';
}

function expectContiguousChain(rows: { seq: string; prev_hash: string; hash: string }[]) {
  rows.forEach((row, i) => {
    expect(Number(row.seq)).toBe(i + 1);
    expect(row.prev_hash).toBe(i === 0 ? GENESIS_HASH : rows[i - 1]!.hash);
    expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
  });
}

describe('appending records', () => {
  it('stores every field, numbered from 1 and chained from the genesis hash', async () => {
    const { db } = await fresh();
    const writer = createAuditWriter(db);
    const input = record({ reason: 'PRODUCT_NOT_PERMITTED', decision: 'deny', httpStatus: 400, product: 'balance' });
    await writer.append(input);
    const [row] = await queryRows<Record<string, unknown>>(
      db,
      sql`select seq::text as seq, to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as occurred_at,
        request_id, actor_type, actor_id, partner_id, fintech_id, token_id, action, method, endpoint, product, decision,
        reason, http_status, plaid_request_id, plaid_status, latency_ms, client_ip, user_agent, details::text as details,
        prev_hash, hash from audit_events`,
    );
    expect(row).toMatchObject({
      seq: '1',
      occurred_at: input.occurredAt,
      request_id: input.requestId,
      actor_type: 'partner',
      actor_id: input.actorId,
      partner_id: input.partnerId,
      fintech_id: input.fintechId,
      token_id: input.tokenId,
      action: 'partner.call',
      method: 'POST',
      endpoint: '/processor/auth/get',
      product: 'balance',
      decision: 'deny',
      reason: 'PRODUCT_NOT_PERMITTED',
      http_status: 400,
      plaid_request_id: input.plaidRequestId,
      plaid_status: 200,
      latency_ms: 12,
      client_ip: '127.0.0.1',
      user_agent: 'Plaid Node v47.0.0',
      prev_hash: GENESIS_HASH,
    });
    expect(JSON.parse(String(row!.details))).toEqual(input.details);
    const expected = await chainHash(GENESIS_HASH, {
      seq: 1,
      chain_version: 2,
      occurred_at: input.occurredAt,
      request_id: input.requestId,
      actor_type: 'partner',
      actor_id: input.actorId,
      partner_id: input.partnerId,
      fintech_id: input.fintechId,
      token_id: input.tokenId,
      action: 'partner.call',
      method: 'POST',
      endpoint: '/processor/auth/get',
      product: 'balance',
      decision: 'deny',
      reason: 'PRODUCT_NOT_PERMITTED',
      http_status: 400,
      plaid_request_id: input.plaidRequestId,
      plaid_status: 200,
      latency_ms: 12,
      client_ip: '127.0.0.1',
      user_agent: 'Plaid Node v47.0.0',
      details: input.details,
    });
    expect(row!.hash).toBe(expected);
  });

  it('chains sequential appends and verifies them', async () => {
    const { db } = await fresh();
    const writer = createAuditWriter(db);
    for (let i = 0; i < 40; i++) await writer.append(record());
    const rows = await auditChainRows(db);
    expect(rows).toHaveLength(40);
    expectContiguousChain(rows);
    expect(await verifyChain(db)).toMatchObject({ ok: true, checked: 40, to_seq: 40, last_hash: rows[39]!.hash });
  });

  it('normalizes occurred_at to UTC milliseconds, and verification does not depend on the session time zone', async () => {
    const { db } = await fresh();
    const writer = createAuditWriter(db);
    await writer.append(record({ occurredAt: '2025-03-04T05:06:07.089+02:00' }));
    await writer.append(record({ occurredAt: '2025-12-31T23:59:59.999Z' }));
    const result = await db.transaction(async (tx) => {
      await tx.execute(sql`set local timezone = 'Pacific/Chatham'`);
      await tx.execute(sql`set local datestyle = 'SQL, DMY'`);
      const [row] = await queryRows<{ occurred: string }>(tx, sql`select occurred_at::text as occurred from audit_events where seq = 1`);
      expect(row!.occurred).not.toContain('T'); // the server's own format differs...
      return verifyChain(tx); // ...but what verification hashes does not
    });
    expect(result).toMatchObject({ ok: true, checked: 2 });
    const [first] = await queryRows<{ at: string }>(
      db,
      sql`select to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at from audit_events where seq = 1`,
    );
    expect(first!.at).toBe('2025-03-04T03:06:07.089Z');
  });

  it('rejects a record with an invalid decision or time without writing it, and keeps the others', async () => {
    const { db } = await fresh();
    const writer = createAuditWriter(db);
    const results = await Promise.allSettled([
      writer.append(record()),
      writer.append(record({ decision: 'maybe' as 'allow' })),
      writer.append(record({ occurredAt: 'yesterday' })),
      writer.append(record()),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expectContiguousChain(await auditChainRows(db));
    expect(await auditChainRows(db)).toHaveLength(2);
  });

  it('scrubs details and free text before hashing: no token, key or account number is stored', async () => {
    const { db } = await fresh();
    const writer = createAuditWriter(db);
    await writer.append(
      record({
        endpoint: '/processor/auth/get/processor-sandbox-0a1b2c3d-4e5f',
        reason: 'token processor-sandbox-1234abcd-aaaa was revoked',
        userAgent: 'curl/8.0 key=Zt3kQ9xWm2LpV7rN4sY8bC1d',
        details: {
          processor_token: 'processor-sandbox-0a1b2c3d-4e5f',
          secret: 'whatever',
          fields_present: ['account', 'routing'],
          note: 'processor-production-99999999',
          number: '021000021',
          email_like: 'someone@example.com',
          ok: true,
          count: 3,
          nested: { deeper: { api_key: 'abc', words: ['auth', 'Zt3kQ9xWm2LpV7rN4sY8bC1d'] } },
        },
      }),
    );
    const [row] = await auditChainRows(db);
    expect(row!.endpoint).toBe(`/processor/auth/get/${REDACTED}`);
    expect(row!.reason).toBe(`token ${REDACTED} was revoked`);
    expect(row!.user_agent).toBe(`curl/8.0 key=${REDACTED}`);
    expect(JSON.parse(String(row!.details))).toEqual({
      processor_token: REDACTED,
      secret: REDACTED,
      fields_present: ['account', 'routing'],
      note: REDACTED,
      number: REDACTED,
      email_like: REDACTED,
      ok: true,
      count: 3,
      nested: { deeper: { api_key: REDACTED, words: ['auth', REDACTED] } },
    });
    expect(await verifyChain(db)).toMatchObject({ ok: true, checked: 1 });
  });

  it('keeps the gateway\'s own ids and request ids whatever digits they hold', async () => {
    const { db } = await fresh();
    await createAuditWriter(db).append(
      record({
        tokenId: 'tok_1234567890123456789a',
        partnerId: 'ptn_00000000000000000000',
        plaidRequestId: 'Ab1234567890Cde',
        details: { auditor_id: 'aud_9876543210abcdefghij' },
      }),
    );
    const [row] = await queryRows<Record<string, unknown>>(
      db,
      sql`select token_id, partner_id, plaid_request_id, details::text as details from audit_events`,
    );
    expect(row).toMatchObject({
      token_id: 'tok_1234567890123456789a',
      partner_id: 'ptn_00000000000000000000',
      plaid_request_id: 'Ab1234567890Cde',
    });
    expect(JSON.parse(String(row!.details))).toEqual({ auditor_id: 'aud_9876543210abcdefghij' });
  });
});

describe('one total order under concurrency', () => {
  it('group commit: 300 concurrent appends resolve in far fewer transactions and form one gap-free chain', async () => {
    const handle = await fresh();
    const { db, transactions } = countingDb(handle.db);
    const writer = createAuditWriter(db);
    await Promise.all(Array.from({ length: 300 }, () => writer.append(record())));
    const rows = await auditChainRows(handle.db);
    expect(rows).toHaveLength(300);
    expectContiguousChain(rows);
    expect(transactions()).toBeLessThan(300 / 4);
    expect(await verifyChain(handle.db, { batchSize: 37 })).toMatchObject({ ok: true, checked: 300 });
  });

  it('one transaction per record (no group commit) still keeps one chain', async () => {
    const handle = await fresh();
    const { db, transactions } = countingDb(handle.db);
    const writer = createAuditWriter(db, { groupCommit: false });
    await Promise.all(Array.from({ length: 64 }, () => writer.append(record())));
    expect(transactions()).toBe(64);
    expectContiguousChain(await auditChainRows(handle.db));
    expect(await verifyChain(handle.db)).toMatchObject({ ok: true, checked: 64 });
  });

  it(`two writer instances${usingPostgres() ? ' on two connection pools' : ''} appending at once keep one chain with no gaps`, async () => {
    const handle = await fresh();
    let second: DatabaseHandle = handle;
    if (usingPostgres()) {
      second = openPostgres(handle.url!, { max: 5 });
      open.push(second);
    }
    expect(second.db === handle.db).toBe(!usingPostgres());
    const a = createAuditWriter(handle.db);
    const b = createAuditWriter(second.db);
    const c = createAuditWriter(second.db, { groupCommit: false });
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 120; i++) {
      writes.push(a.append(record({ actorId: 'a' })), b.append(record({ actorId: 'b' })));
      if (i % 4 === 0) writes.push(c.append(record({ actorId: 'c' })));
    }
    await Promise.all(writes);
    const rows = await auditChainRows(handle.db);
    expect(rows).toHaveLength(270);
    expectContiguousChain(rows);
    expect(new Set(rows.map((r) => r.actor_id))).toEqual(new Set(['a', 'b', 'c']));
    expect(await verifyChain(handle.db)).toMatchObject({ ok: true, checked: 270 });
  });

  it('a failed transaction rejects every append of its batch; the next batch goes through', async () => {
    const handle = await fresh();
    let fail = true;
    const flaky = wrapDriver(handle.db, () => {
      if (fail) throw new Error('connection lost');
    });
    const writer = createAuditWriter(flaky);
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => writer.append(record())));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(await auditChainRows(handle.db)).toHaveLength(0);
    fail = false;
    await Promise.all(Array.from({ length: 5 }, () => writer.append(record())));
    expectContiguousChain(await auditChainRows(handle.db));
    expect(await auditChainRows(handle.db)).toHaveLength(5);
  });

  it('close() writes what is queued, then refuses new records', async () => {
    const { db } = await fresh();
    const writer = new PostgresAuditWriter(db);
    const pending = Array.from({ length: 20 }, () => writer.append(record()));
    await writer.close();
    await Promise.all(pending);
    expect(await auditChainRows(db)).toHaveLength(20);
    await expect(writer.append(record())).rejects.toThrow(/closed/);
  });
});

describe('append-only and tamper-evident', () => {
  it('the database refuses UPDATE, DELETE and TRUNCATE on audit_events', async () => {
    const { db } = await fresh();
    await createAuditWriter(db).append(record());
    expect(await failure(db.execute(sql`update audit_events set reason = 'edited' where seq = 1`))).toMatch(
      /append-only: UPDATE refused/,
    );
    expect(await failure(db.execute(sql`delete from audit_events where seq = 1`))).toMatch(/append-only: DELETE refused/);
    expect(await failure(db.execute(sql`truncate audit_events`))).toMatch(/append-only: TRUNCATE refused/);
    expect(await auditChainRows(db)).toHaveLength(1);
    expect(await verifyChain(db)).toMatchObject({ ok: true, checked: 1 });
  });

  it('a field changed behind the gateway\'s back fails verification at that record', async () => {
    const { db } = await fresh();
    const writer = createAuditWriter(db);
    for (let i = 0; i < 6; i++) await writer.append(record());
    await tamper(db, sql`update audit_events set decision = 'allow', http_status = 201 where seq = 3`);
    expect(await verifyChain(db)).toMatchObject({ ok: false, first_bad_seq: 3, reason: 'hash_mismatch', checked: 3 });
    // A range that ends before the edit still passes; one that starts after it too.
    expect(await verifyChain(db, { toSeq: 2 })).toMatchObject({ ok: true, checked: 2 });
    expect(await verifyChain(db, { fromSeq: 4 })).toMatchObject({ ok: true, checked: 3 });
  });

  it('a changed details value or time is caught as well', async () => {
    const { db } = await fresh();
    const writer = createAuditWriter(db);
    for (let i = 0; i < 4; i++) await writer.append(record());
    await tamper(db, sql`update audit_events set details = '{"fields":["processor_token"],"options":true}' where seq = 2`);
    expect(await verifyChain(db)).toMatchObject({ ok: false, first_bad_seq: 2, reason: 'hash_mismatch' });
    const other = await fresh();
    const w2 = createAuditWriter(other.db);
    for (let i = 0; i < 4; i++) await w2.append(record());
    await tamper(other.db, sql`update audit_events set occurred_at = occurred_at + interval '1 millisecond' where seq = 4`);
    expect(await verifyChain(other.db)).toMatchObject({ ok: false, first_bad_seq: 4, reason: 'hash_mismatch' });
  });

  it('a deleted record fails verification at the record after it', async () => {
    const { db } = await fresh();
    const writer = createAuditWriter(db);
    for (let i = 0; i < 6; i++) await writer.append(record());
    await tamper(db, sql`delete from audit_events where seq = 4`);
    expect(await verifyChain(db)).toMatchObject({ ok: false, first_bad_seq: 5, reason: 'seq_gap', checked: 4 });
  });

  it('a record rewritten with a recomputed hash breaks the link to the next record', async () => {
    const { db } = await fresh();
    const writer = createAuditWriter(db);
    for (let i = 0; i < 5; i++) await writer.append(record());
    const [row] = await auditChainRows(db).then((rows) => rows.filter((r) => r.seq === '2'));
    // The forger edits seq 2 and recomputes its own hash correctly...
    const [full] = await queryRows<Record<string, unknown>>(db, sql`select request_id from audit_events where seq = 2`);
    expect(full).toBeDefined();
    const { fetchRecords } = await import('../../src/audit/query');
    const [stored] = await fetchRecords(db, {}, { minSeq: 2, maxSeq: 2, limit: 1 });
    const { prev_hash, hash: _old, ...content } = stored!;
    const forged = { ...content, decision: 'deny', reason: 'FORGED' };
    const forgedHash = await chainHash(prev_hash, forged);
    await tamper(db, sql`update audit_events set decision = 'deny', reason = 'FORGED', hash = ${forgedHash} where seq = 2`);
    expect(row!.hash).not.toBe(forgedHash);
    // ...so seq 2 checks out, and seq 3 no longer chains from it.
    expect(await verifyChain(db)).toMatchObject({ ok: false, first_bad_seq: 3, reason: 'prev_hash_mismatch' });
  });

  it('the first record must chain from the genesis hash', async () => {
    const { db } = await fresh();
    const writer = createAuditWriter(db);
    for (let i = 0; i < 3; i++) await writer.append(record());
    await tamper(db, sql`delete from audit_events where seq = 1`);
    expect(await verifyChain(db)).toMatchObject({ ok: false, first_bad_seq: 2, reason: 'seq_gap' });
  });

  it('an empty trail verifies with nothing checked', async () => {
    const { db } = await fresh();
    expect(await verifyChain(db)).toEqual({ ok: true, checked: 0, from_seq: 1, to_seq: 0 });
  });

  it('the canonical encoding is the documented one', () => {
    const encoded = canonicalRecord({
      seq: 7,
      occurred_at: '2025-01-01T00:00:00.000Z',
      request_id: 'r',
      actor_type: 'operator',
      actor_id: null,
      partner_id: null,
      fintech_id: null,
      token_id: null,
      action: 'partner.create',
      method: 'POST',
      endpoint: '/admin/partners',
      product: null,
      decision: 'allow',
      reason: null,
      http_status: 201,
      plaid_request_id: null,
      plaid_status: null,
      latency_ms: 3,
      client_ip: null,
      user_agent: null,
      details: { z: 1, a: { y: [2, { c: true, b: null }], x: 'é' } },
    });
    expect(encoded).toBe(
      '{"seq":7,"occurred_at":"2025-01-01T00:00:00.000Z","request_id":"r","actor_type":"operator","actor_id":null,' +
        '"partner_id":null,"fintech_id":null,"token_id":null,"action":"partner.create","method":"POST",' +
        '"endpoint":"/admin/partners","product":null,"decision":"allow","reason":null,"http_status":201,' +
        '"plaid_request_id":null,"plaid_status":null,"latency_ms":3,"client_ip":null,"user_agent":null,' +
        '"details":{"a":{"x":"é","y":[2,{"b":null,"c":true}]},"z":1}}',
    );
  });
});
