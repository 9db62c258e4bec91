import { PlaidError, errors } from '../plaid/errors';
import type { ProcessorTransactionsSyncResponse, Transaction } from '../plaid/schemas';
import { generateHistory, newTransaction, type GeneratedTransaction, type NewTransactionInput } from './data/transactions';
import { userGoodAccount } from './data/user-good';
import { hash32 } from './random';
import type { Item, TransactionEvent } from './state';

/**
 * /processor/transactions/sync over an Item's append-only change log.
 *
 * A cursor names a position in the log and the "snapshot" (log length) of the
 * update it belongs to. Pagination of one update walks from the update's start
 * to its snapshot; if the log grows while a client is mid-way (position <
 * snapshot and log length != snapshot), the next page answers
 * TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION and the client restarts from the
 * cursor of the update's first page, as Plaid documents. A cursor at the end of
 * its update starts the next update from the current log.
 *
 * Cursors are opaque base64 (well under Plaid's 256 characters) and bound to the
 * Item, so one token's cursor is refused on another.
 */

export const DEFAULT_SYNC_COUNT = 100;
const CURSOR_VERSION = 'v1';

export function ensureLog(item: Item): TransactionEvent[] {
  if (!item.log) {
    item.log = generateHistory(item.seed, item.accountId, item.createdAt).map((tx) => ({ kind: 'added' as const, tx }));
  }
  return item.log;
}

interface CursorPosition {
  position: number;
  snapshot: number;
}

function itemTag(item: Item): string {
  return hash32(`cursor:${item.itemId}`).toString(36);
}

export function encodeCursor(item: Item, cursor: CursorPosition): string {
  return btoa(`${CURSOR_VERSION}:${itemTag(item)}:${cursor.position}:${cursor.snapshot}`);
}

function invalidCursor(): PlaidError {
  return errors.invalidField('cursor is invalid: pass the next_cursor of a previous /processor/transactions/sync response');
}

export function decodeCursor(item: Item, cursor: string, logLength: number): CursorPosition {
  let text: string;
  try {
    text = atob(cursor);
  } catch {
    throw invalidCursor();
  }
  const match = /^v1:([0-9a-z]+):(\d{1,9}):(\d{1,9})$/.exec(text);
  if (!match || match[1] !== itemTag(item)) throw invalidCursor();
  const position = Number(match[2]);
  const snapshot = Number(match[3]);
  if (position > snapshot || snapshot > logLength) throw invalidCursor();
  return { position, snapshot };
}

export function mutationDuringPagination(): PlaidError {
  return new PlaidError({
    type: 'TRANSACTIONS_ERROR',
    code: 'TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION',
    message: 'Underlying transaction data changed since last page was fetched. Please restart pagination from last update.',
  });
}

export interface SyncInput {
  cursor?: string | null;
  count?: number | null;
  includeOriginalDescription?: boolean;
}

export function syncTransactions(item: Item, input: SyncInput, requestId: string): ProcessorTransactionsSyncResponse {
  const log = ensureLog(item);
  const count = input.count ?? DEFAULT_SYNC_COUNT;
  let start: CursorPosition;
  if (input.cursor === 'now') {
    // "now": skip the history, start from the latest state (Item-level sync semantics).
    start = { position: log.length, snapshot: log.length };
  } else if (!input.cursor) {
    start = { position: 0, snapshot: log.length };
  } else {
    const decoded = decodeCursor(item, input.cursor, log.length);
    if (decoded.position < decoded.snapshot) {
      if (log.length !== decoded.snapshot) throw mutationDuringPagination();
      start = decoded;
    } else {
      start = { position: decoded.position, snapshot: log.length };
    }
  }

  const end = Math.min(start.position + count, start.snapshot);
  const page = log.slice(start.position, end);
  const render = (tx: GeneratedTransaction): Transaction => ({
    ...tx.transaction,
    original_description: input.includeOriginalDescription ? tx.originalDescription : null,
  });
  return {
    added: page.flatMap((e) => (e.kind === 'added' ? [render(e.tx)] : [])),
    modified: page.flatMap((e) => (e.kind === 'modified' ? [render(e.tx)] : [])),
    removed: page.flatMap((e) => (e.kind === 'removed' ? [{ transaction_id: e.transactionId, account_id: e.accountId }] : [])),
    next_cursor: encodeCursor(item, { position: end, snapshot: start.snapshot }),
    has_more: end < start.snapshot,
    transactions_update_status: 'HISTORICAL_UPDATE_COMPLETE',
    account: userGoodAccount(item.accountId, null),
    request_id: requestId,
  };
}

export interface AddTransactionsInput {
  count?: number;
  transactions?: NewTransactionInput[];
  /** Post every pending transaction: the pending one is removed and a posted copy added (Plaid's pending→posted). */
  post_pending?: boolean;
}

export interface AddTransactionsResult {
  added: string[];
  removed: string[];
}

/** The control endpoint's work: append new (and posted) transactions to the log. */
export function addTransactions(item: Item, input: AddTransactionsInput, today: Date): AddTransactionsResult {
  const log = ensureLog(item);
  const result: AddTransactionsResult = { added: [], removed: [] };
  const inputs = input.transactions ?? Array.from({ length: input.count ?? 1 }, () => ({}));
  for (const spec of inputs) {
    const tx = newTransaction(item.seed, item.addedCount++, item.accountId, today, spec);
    log.push({ kind: 'added', tx });
    result.added.push(tx.transaction.transaction_id);
  }
  if (input.post_pending) postPending(item, log, result, () => true);
  return result;
}

/** The most new transactions one /processor/transactions/refresh finds. */
export const REFRESH_MAX_NEW = 3;

/**
 * What an on-demand extraction (/processor/transactions/refresh) finds:
 * every pending transaction dated before `today` has posted (the pending one is
 * removed and a posted copy added), and 1-3 new card transactions dated `today`
 * arrive, still pending. How many is deterministic per Item and refresh, so a
 * test with a fixed clock always sees the same changes.
 */
export function refreshTransactions(item: Item, today: Date): AddTransactionsResult {
  const log = ensureLog(item);
  const result: AddTransactionsResult = { added: [], removed: [] };
  const todayDate = today.toISOString().slice(0, 10);
  postPending(item, log, result, (tx) => tx.transaction.date < todayDate);
  const count = 1 + (hash32(`refresh:${item.seed}:${item.refreshCount++}`) % REFRESH_MAX_NEW);
  for (let i = 0; i < count; i++) {
    const tx = newTransaction(item.seed, item.addedCount++, item.accountId, today, { pending: true });
    log.push({ kind: 'added', tx });
    result.added.push(tx.transaction.transaction_id);
  }
  return result;
}

/**
 * Posts the pending transactions (still live in the log) that `select` picks,
 * as Plaid does: the pending transaction is removed and a posted copy, whose
 * pending_transaction_id names it, is added.
 */
function postPending(
  item: Item,
  log: TransactionEvent[],
  result: AddTransactionsResult,
  select: (tx: GeneratedTransaction) => boolean,
): void {
  const removedIds = new Set(log.flatMap((e) => (e.kind === 'removed' ? [e.transactionId] : [])));
  const pending = log.filter(
    (e): e is { kind: 'added'; tx: GeneratedTransaction } =>
      e.kind === 'added' && e.tx.transaction.pending && !removedIds.has(e.tx.transaction.transaction_id) && select(e.tx),
  );
  for (const event of pending) {
    const pendingId = event.tx.transaction.transaction_id;
    const posted: GeneratedTransaction = {
      ...event.tx,
      transaction: {
        ...event.tx.transaction,
        transaction_id: `${pendingId.slice(0, 30)}${String(item.addedCount++).padStart(7, '0')}`,
        pending: false,
        pending_transaction_id: pendingId,
      },
    };
    log.push({ kind: 'removed', transactionId: pendingId, accountId: item.accountId });
    log.push({ kind: 'added', tx: posted });
    result.removed.push(pendingId);
    result.added.push(posted.transaction.transaction_id);
  }
}
