import { errors } from '../plaid/errors';
import { PLAID_PROCESSOR_TOKEN_PATTERN, type ProcessorSignalEvaluateResponse, type Product, type TransactionsUpdateStatus } from '../plaid/schemas';
import { accountIdFor } from './data/user-good';
import { userGoodProfile, type AccountProfile } from './data/profile';
import type { GeneratedTransaction } from './data/transactions';
import type { EmulatorInstitution } from './institutions';
import type { ItemErrorCode } from './item-errors';
import { deterministicId } from './random';

/**
 * The emulator's in-memory world. In Plaid a processor token names one account
 * of one Item; the emulator's `/sandbox/processor_token/create` makes a fresh
 * Item per token, so token and Item are one record here.
 */

/** One /processor/signal/evaluate result kept for its client_transaction_id (and the reports made on it). */
export interface SignalEvaluation {
  amount: number;
  evaluatedAt: number;
  scores: NonNullable<ProcessorSignalEvaluateResponse['scores']>;
  initiated?: boolean;
  returnCode?: string;
}

/** One entry of an Item's append-only transactions change log (what /transactions/sync pages through). */
export type TransactionEvent =
  | { kind: 'added' | 'modified'; tx: GeneratedTransaction }
  | { kind: 'removed'; transactionId: string; accountId: string };

export interface Item {
  processorToken: string;
  itemId: string;
  /** The Plaid client (client_id) that created the token: the only one that may use it. */
  clientId: string;
  institution: EmulatorInstitution;
  /** Seed for every deterministic value of this Item (ids, history, scores). */
  seed: string;
  accountId: string;
  /** The token's account: fields, numbers and owners (user_good's by default, or a user_custom configuration). */
  profile: AccountProfile;
  createdAt: Date;
  /** Since when the Item's login is good: its creation, or the last repair (Sandbox logins expire 30 days later). */
  loginValidSince: Date;
  /** Item error every data call answers, or null when the Item is healthy. */
  error: ItemErrorCode | null;
  /** Permission set: [] means every product (Plaid's rule). */
  permissions: Product[];
  webhook: string | null;
  /** Built lazily on first use (most benchmark tokens never sync). */
  log: TransactionEvent[] | null;
  /**
   * How far Plaid's pull of the Item's transactions has got (the
   * `transactions_update_status` of /processor/transactions/sync): NOT_READY
   * (nothing pulled yet), INITIAL_UPDATE_COMPLETE (the last 30 days),
   * HISTORICAL_UPDATE_COMPLETE (everything). Tokens start complete; the
   * emulator's controls move them back and forth.
   */
  transactionsStatus: TransactionsUpdateStatus;
  /** History generated but not yet pulled (released into the log as the status advances). */
  heldBack: GeneratedTransaction[];
  /** Days of history to generate (options.days_requested of the first sync; null = 90). */
  daysRequested: number | null;
  addedCount: number;
  /**
   * Whether /processor/transactions/sync has been called on this Item. Until it
   * has, Plaid sends no SYNC_UPDATES_AVAILABLE for the Item (the legacy
   * DEFAULT_UPDATE / TRANSACTIONS_REMOVED webhooks do not wait for it).
   */
  syncCalled: boolean;
  /** Transactions added since the last DEFAULT_UPDATE webhook was sent (that webhook's `new_transactions`). */
  newSinceDefaultUpdate: number;
  /** How many /processor/transactions/refresh calls have changed this Item (seeds what the next one finds). */
  refreshCount: number;
  signals: Map<string, SignalEvaluation>;
  /** /processor/signal/evaluate answers PRODUCT_NOT_READY while set (the emulator's control). */
  signalNotReady: boolean;
}

export class EmulatorState {
  private readonly items = new Map<string, Item>();

  createItem(input: {
    clientId: string;
    institution: EmulatorInstitution;
    createdAt: Date;
    error: ItemErrorCode | null;
    profile?: AccountProfile;
  }): Item {
    const processorToken = `processor-sandbox-${crypto.randomUUID()}`;
    const seed = processorToken;
    const item: Item = {
      processorToken,
      itemId: deterministicId(`item:${seed}`),
      clientId: input.clientId,
      institution: input.institution,
      seed,
      accountId: accountIdFor(seed),
      profile: input.profile ?? userGoodProfile(input.institution),
      createdAt: input.createdAt,
      loginValidSince: input.createdAt,
      error: input.error,
      permissions: [],
      webhook: null,
      log: null,
      transactionsStatus: 'HISTORICAL_UPDATE_COMPLETE',
      heldBack: [],
      daysRequested: null,
      addedCount: 0,
      syncCalled: false,
      newSinceDefaultUpdate: 0,
      refreshCount: 0,
      signals: new Map(),
      signalNotReady: false,
    };
    this.items.set(processorToken, item);
    return item;
  }

  /**
   * The Item behind `token` for `clientId`. Malformed, unknown and other
   * clients' tokens all answer the same INVALID_PROCESSOR_TOKEN (nothing leaks).
   */
  itemFor(token: string, clientId: string): Item {
    if (!PLAID_PROCESSOR_TOKEN_PATTERN.test(token)) throw errors.invalidProcessorToken();
    const item = this.items.get(token);
    if (!item || item.clientId !== clientId) throw errors.invalidProcessorToken();
    return item;
  }

  get size(): number {
    return this.items.size;
  }
}
