/**
 * Walks the hash chain in seq order, in batches (constant memory), and names
 * the first record that does not check out:
 * - `seq_gap`: records are missing before this one (a deleted row shows here,
 *   at the record that follows it);
 * - `prev_hash_mismatch`: this record does not chain from the one before it
 *   (the previous record's stored hash was rewritten);
 * - `hash_mismatch`: this record's content no longer matches its hash (a field
 *   was changed).
 *
 * The walk stops at the highest seq present when it starts, so records appended
 * meanwhile do not make it run forever (they are checked next time). An
 * incremental walk starts after the newest checkpoint and saves a new one.
 */
import { sql } from 'drizzle-orm';
import { queryRows, type Database, type Transaction } from '../db/database';
import { chainHash, GENESIS_HASH } from './canonical';
import { CHAIN_VERSIONS } from './record';
import { fetchRecords, hashAt, maxSeq } from './query';

export type VerifyFailure = 'seq_gap' | 'prev_hash_mismatch' | 'hash_mismatch';

export interface VerifyResult {
  ok: boolean;
  /** Records examined (when ok is false, up to and including the first bad one). */
  checked: number;
  first_bad_seq?: number;
  reason?: VerifyFailure;
  message?: string;
  /** The range walked, and the head of the chain at its end (to anchor elsewhere). */
  from_seq: number;
  to_seq: number;
  last_hash?: string;
}

export interface VerifyOptions {
  fromSeq?: number;
  toSeq?: number;
  batchSize?: number;
  /**
   * Start after the newest checkpoint instead of at seq 1 (when no fromSeq is
   * given). The checkpointed record's stored hash must still be the one saved.
   * Any clean walk of the whole chain saves a checkpoint at its end.
   */
  incremental?: boolean;
}

export async function verifyChain(db: Database | Transaction, options: VerifyOptions = {}): Promise<VerifyResult> {
  const batchSize = options.batchSize ?? 1000;
  const head = await maxSeq(db);
  const checkpoint = options.incremental && options.fromSeq === undefined ? await latestCheckpoint(db, head) : undefined;
  if (checkpoint && (await hashAt(db, checkpoint.seq)) !== checkpoint.hash) {
    return {
      ok: false,
      checked: 1,
      first_bad_seq: checkpoint.seq,
      reason: 'hash_mismatch',
      message: `seq ${checkpoint.seq} no longer holds the hash it had when it was verified`,
      from_seq: checkpoint.seq,
      to_seq: head,
    };
  }
  const fromSeq = Math.max(1, checkpoint ? checkpoint.seq + 1 : (options.fromSeq ?? 1));
  const toSeq = Math.min(head, options.toSeq ?? head);
  // Where the walk starts, the previous hash is the genesis, the checkpoint's,
  // or the stored hash just before the range (unchecked: it is outside the range asked for).
  let expectedPrev: string | undefined =
    fromSeq === 1 ? GENESIS_HASH : checkpoint ? checkpoint.hash : await hashAt(db, fromSeq - 1);
  let expectedSeq = fromSeq;
  let checked = 0;
  let lastHash: string | undefined;

  const fail = (seq: number, reason: VerifyFailure, message: string): VerifyResult => ({
    ok: false,
    checked,
    first_bad_seq: seq,
    reason,
    message,
    from_seq: fromSeq,
    to_seq: toSeq,
  });

  let after: number | undefined;
  while (expectedSeq <= toSeq) {
    const batch = await fetchRecords(db, {}, {
      afterSeq: after,
      minSeq: fromSeq,
      maxSeq: toSeq,
      order: 'asc',
      limit: batchSize,
    });
    if (batch.length === 0) break;
    for (const record of batch) {
      checked += 1;
      if (record.seq !== expectedSeq) {
        const missing = record.seq - 1 === expectedSeq ? `${expectedSeq}` : `${expectedSeq}..${record.seq - 1}`;
        return fail(record.seq, 'seq_gap', `record(s) ${missing} are missing before seq ${record.seq}`);
      }
      if (expectedPrev !== undefined && record.prev_hash !== expectedPrev) {
        return fail(record.seq, 'prev_hash_mismatch', `seq ${record.seq} does not chain from the record before it`);
      }
      const { prev_hash, hash, ...content } = record;
      if (!(content.chain_version in CHAIN_VERSIONS)) {
        // No field list to re-hash it with: its version number itself was changed.
        return fail(record.seq, 'hash_mismatch', `seq ${record.seq} claims chain version ${content.chain_version}, which no gateway writes`);
      }
      if ((await chainHash(prev_hash, content)) !== hash) {
        return fail(record.seq, 'hash_mismatch', `seq ${record.seq} was altered: its content does not match its hash`);
      }
      expectedPrev = hash;
      expectedSeq += 1;
      lastHash = hash;
    }
    after = batch[batch.length - 1]!.seq;
  }
  if (expectedSeq <= toSeq) {
    // Rows at the end of the range vanished while we walked (cannot happen
    // with the append-only trigger in place).
    return fail(expectedSeq, 'seq_gap', `records from seq ${expectedSeq} to ${toSeq} are missing`);
  }
  // A clean walk of the whole chain (from seq 1 or from a checkpoint, to the head) leaves a checkpoint.
  const wholeChain = options.fromSeq === undefined && options.toSeq === undefined;
  if (wholeChain && toSeq === head && lastHash) {
    await db.execute(sql`insert into audit_checkpoints (seq, hash) values (${toSeq}, ${lastHash}) on conflict (seq) do nothing`);
  }
  return {
    ok: true,
    checked,
    from_seq: fromSeq,
    to_seq: toSeq,
    ...(lastHash ? { last_hash: lastHash } : checkpoint ? { last_hash: checkpoint.hash } : {}),
  };
}

/** The newest checkpoint at or below `head`. */
async function latestCheckpoint(db: Database | Transaction, head: number): Promise<{ seq: number; hash: string } | undefined> {
  const [row] = await queryRows<{ seq: string; hash: string }>(
    db,
    sql`select seq::text as seq, hash from audit_checkpoints where seq <= ${head} order by seq desc limit 1`,
  );
  return row ? { seq: Number(row.seq), hash: row.hash } : undefined;
}
