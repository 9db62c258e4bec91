import { PlaidError, errors } from '../plaid/errors';
import type { ProcessorTransactionsSyncResponse, Transaction } from '../plaid/schemas';
import { HISTORY_DAYS, customHistory, generateHistory, monthlyIncomeHistory, newTransaction, type GeneratedTransaction, type NewTransactionInput } from './data/transactions';
import { profileAccount } from './data/profile';
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

/** Days of history the initial pull covers (Plaid: "only ... the last 30 days" until HISTORICAL_UPDATE). */
export const INITIAL_UPDATE_DAYS = 30;
const DAY_MS = 86_400_000;

function initialCutoff(item: Item): string {
  return new Date(item.createdAt.getTime() - (INITIAL_UPDATE_DAYS - 1) * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The Item's change log, built on first use from a history of
 * `daysRequested` (default 90) days. What of it is pulled depends on the
 * transactions status: everything (HISTORICAL_UPDATE_COMPLETE), the last 30
 * days (INITIAL_UPDATE_COMPLETE; the rest is held back until the historical
 * pull) or nothing (NOT_READY).
 */
export function ensureLog(item: Item): TransactionEvent[] {
  if (!item.log) {
    const days = item.daysRequested ?? HISTORY_DAYS;
    // A user_custom account with configured transactions has exactly those; any other gets a generated history.
    const base = item.profile.transactions
      ? customHistory(item.seed, item.accountId, item.createdAt, item.profile.transactions, days)
      : generateHistory(item.seed, item.accountId, item.createdAt, days, item.profile.dataSeed);
    const income = item.profile.monthlyIncome ? monthlyIncomeHistory(item.seed, item.accountId, item.createdAt, item.profile.monthlyIncome, days) : [];
    // Oldest first; on one day the income comes after that day's other transactions (a stable sort keeps their order).
    const history = [...base, ...income].sort((a, b) => (a.transaction.date < b.transaction.date ? -1 : a.transaction.date > b.transaction.date ? 1 : 0));
    let pulled = history;
    if (item.transactionsStatus === 'NOT_READY') pulled = [];
    else if (item.transactionsStatus === 'INITIAL_UPDATE_COMPLETE') pulled = history.filter((tx) => tx.transaction.date >= initialCutoff(item));
    const pulledSet = new Set(pulled);
    item.heldBack = history.filter((tx) => !pulledSet.has(tx));
    item.log = pulled.map((tx) => ({ kind: 'added' as const, tx }));
  }
  return item.log;
}

/**
 * Puts the Item's transactions back to "not yet pulled" (a fresh Item whose
 * Transactions product is not initialised): the history is discarded and will
 * be generated again, with the next sync's days_requested, when the pull
 * completes. Cursors issued before are no longer valid.
 */
export function resetTransactions(item: Item): void {
  item.transactionsStatus = 'NOT_READY';
  item.log = null;
  item.heldBack = [];
  item.daysRequested = null;
  item.syncCalled = false;
  item.newSinceDefaultUpdate = 0;
}

/** What completing a pull released: the statuses it passed through and the transactions it added. */
export interface PullProgress {
  reached: Array<'INITIAL_UPDATE_COMPLETE' | 'HISTORICAL_UPDATE_COMPLETE'>;
  added: string[];
}

/**
 * Advances the pull to `target`: INITIAL_UPDATE_COMPLETE releases the last 30
 * days, HISTORICAL_UPDATE_COMPLETE everything (passing through the initial
 * pull when the Item was NOT_READY). Released transactions are appended to the
 * log as `added`, so a client polling sync receives them. Never goes back
 * (resetTransactions does).
 */
export function completePull(item: Item, target: 'INITIAL_UPDATE_COMPLETE' | 'HISTORICAL_UPDATE_COMPLETE'): PullProgress {
  const log = ensureLog(item);
  const progress: PullProgress = { reached: [], added: [] };
  const release = (txs: GeneratedTransaction[]) => {
    for (const tx of txs) {
      log.push({ kind: 'added', tx });
      progress.added.push(tx.transaction.transaction_id);
    }
  };
  if (item.transactionsStatus === 'NOT_READY') {
    const cutoff = initialCutoff(item);
    release(item.heldBack.filter((tx) => tx.transaction.date >= cutoff));
    item.heldBack = item.heldBack.filter((tx) => tx.transaction.date < cutoff);
    item.transactionsStatus = 'INITIAL_UPDATE_COMPLETE';
    progress.reached.push('INITIAL_UPDATE_COMPLETE');
  }
  if (target === 'HISTORICAL_UPDATE_COMPLETE' && item.transactionsStatus === 'INITIAL_UPDATE_COMPLETE') {
    release(item.heldBack);
    item.heldBack = [];
    item.transactionsStatus = 'HISTORICAL_UPDATE_COMPLETE';
    progress.reached.push('HISTORICAL_UPDATE_COMPLETE');
  }
  return progress;
}

/** The Item's transactions as they stand now (latest version of each, removed ones left out), in log order. */
export function liveTransactions(log: TransactionEvent[]): Map<string, GeneratedTransaction> {
  const live = new Map<string, GeneratedTransaction>();
  for (const e of log) {
    if (e.kind === 'removed') live.delete(e.transactionId);
    else live.set(e.tx.transaction.transaction_id, e.tx);
  }
  return live;
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
  /** options.days_requested: honoured only while the Item's transactions are not initialised. */
  daysRequested?: number;
  /** options.account_id: must be the token's account. */
  accountId?: string;
}

export function invalidAccountId(): PlaidError {
  // INVALID_ACCOUNT_ID (INVALID_INPUT): "failed to find requested account ID for requested item".
  return new PlaidError({ type: 'INVALID_INPUT', code: 'INVALID_ACCOUNT_ID', message: 'failed to find requested account ID for requested item' });
}

export function syncTransactions(item: Item, input: SyncInput, requestId: string): ProcessorTransactionsSyncResponse {
  // options.account_id: "An error will be returned if a provided account_id is
  // not associated with the Item." A processor token covers one account, so the
  // only valid value is the token's own, whose stream is the token's stream.
  if (input.accountId !== undefined && input.accountId !== item.accountId) throw invalidAccountId();
  // options.days_requested "only applies to calls for Items where the
  // Transactions product has not already been initialized" (default 90 days,
  // 1-730); once the history exists it has no effect.
  if (input.daysRequested !== undefined && item.log === null && item.daysRequested === null) item.daysRequested = input.daysRequested;
  if (item.transactionsStatus === 'NOT_READY') {
    // Sync does not answer PRODUCT_NOT_READY: "you will receive a response with
    // no transactions" and, per the spec's next_cursor, "If transactions are not
    // yet available, this will be an empty string" (so the client retries with
    // the same empty cursor). The call still arms SYNC_UPDATES_AVAILABLE.
    return {
      added: [],
      modified: [],
      removed: [],
      next_cursor: '',
      has_more: false,
      transactions_update_status: 'NOT_READY',
      account: profileAccount(item.profile, item.accountId, null),
      request_id: requestId,
    };
  }
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
    iso_currency_code: tx.currency ?? item.profile.account.balances.iso_currency_code,
    unofficial_currency_code: item.profile.account.balances.unofficial_currency_code,
    original_description: input.includeOriginalDescription ? tx.originalDescription : null,
  });
  // Within one page a transaction appears once: added-then-modified is
  // reported as added with its latest values, modified twice as its latest
  // modification (the client applies added, then modified, then removed).
  const added = new Map<string, GeneratedTransaction>();
  const modified = new Map<string, GeneratedTransaction>();
  for (const e of page) {
    if (e.kind === 'removed') continue;
    const id = e.tx.transaction.transaction_id;
    if (e.kind === 'added' || added.has(id)) added.set(id, e.tx);
    else modified.set(id, e.tx);
  }
  return {
    added: [...added.values()].map(render),
    modified: [...modified.values()].map(render),
    removed: page.flatMap((e) => (e.kind === 'removed' ? [{ transaction_id: e.transactionId, account_id: e.accountId }] : [])),
    next_cursor: encodeCursor(item, { position: end, snapshot: start.snapshot }),
    has_more: end < start.snapshot,
    transactions_update_status: item.transactionsStatus,
    account: profileAccount(item.profile, item.accountId, null),
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
  modified?: string[];
}

export interface ModifyTransactionsInput {
  /** Default: the most recent live transaction. */
  transaction_ids?: string[];
  amount?: number;
  name?: string;
  date?: string;
}

function unknownTransaction(id: string): PlaidError {
  return errors.invalidField(`transaction_ids: ${id} is not a live transaction of this processor token`);
}

/**
 * The control's work: the Item's institution changed live transactions
 * (amount, name or date; with none given, the amount goes up by 1.00, like a
 * tip adjustment). Each is appended to the log as `modified`, which sync
 * reports in `modified`.
 */
export function modifyTransactions(item: Item, input: ModifyTransactionsInput): AddTransactionsResult {
  const log = ensureLog(item);
  const live = liveTransactions(log);
  const ids = input.transaction_ids ?? [...live.keys()].slice(-1);
  for (const id of ids) if (!live.has(id)) throw unknownTransaction(id);
  const noChange = input.amount === undefined && input.name === undefined && input.date === undefined;
  for (const id of ids) {
    const tx = live.get(id)!;
    const transaction: Transaction = {
      ...tx.transaction,
      amount: input.amount ?? (noChange ? Math.round((tx.transaction.amount + 1) * 100) / 100 : tx.transaction.amount),
      name: input.name ?? tx.transaction.name,
      date: input.date ?? tx.transaction.date,
    };
    log.push({ kind: 'modified', tx: { ...tx, transaction } });
  }
  return { added: [], removed: [], modified: ids };
}

/** The control's work: the institution dropped live transactions; each is appended to the log as `removed`. */
export function removeTransactions(item: Item, transactionIds: string[]): AddTransactionsResult {
  const log = ensureLog(item);
  const live = liveTransactions(log);
  for (const id of transactionIds) if (!live.has(id)) throw unknownTransaction(id);
  for (const id of new Set(transactionIds)) log.push({ kind: 'removed', transactionId: id, accountId: item.accountId });
  return { added: [], removed: [...new Set(transactionIds)] };
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
 *
 * A user_custom account with configured transactions is the configuration's
 * data only: its pending transactions post once their `date_posted` has come,
 * and nothing new arrives.
 */
export function refreshTransactions(item: Item, today: Date): AddTransactionsResult {
  const log = ensureLog(item);
  const result: AddTransactionsResult = { added: [], removed: [] };
  const todayDate = today.toISOString().slice(0, 10);
  postPending(item, log, result, (tx) => (tx.postOn !== undefined ? tx.postOn <= todayDate : tx.transaction.date < todayDate));
  if (item.profile.transactions) return result;
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
    const { postOn, ...rest } = event.tx;
    const posted: GeneratedTransaction = {
      ...rest,
      transaction: {
        ...event.tx.transaction,
        // A configured transaction is dated its date_posted once posted (the authorized_date keeps date_transacted).
        date: postOn ?? event.tx.transaction.date,
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
