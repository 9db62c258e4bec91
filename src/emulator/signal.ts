import { errors } from '../plaid/errors';
import { PlaidError } from '../plaid/errors';
import { isNachaReturnCode } from '../plaid/schemas';
import { isDebitableDepository } from './data/profile';
import { institutionCountry } from './institutions';
import type { GeneratedTransaction } from './data/transactions';
import { hash32 } from './random';
import { ITEM_ERRORS } from './item-errors';
import type { Item, SignalEvaluation } from './state';

/**
 * Signal: deterministic scores, and the decision/return report rules.
 *
 * Scores (1-99, higher = riskier) grow with the logarithm of the amount, plus a
 * per-token offset, so one token and amount always score the same and a large
 * debit scores worse than a small one. Risk tiers are derived from the score
 * (customer-initiated 1-5, bank-initiated 1-8). Plaid caches results for the same
 * transaction for 24 h; the emulator keeps the first evaluation of a
 * client_transaction_id for that long.
 */

export const SIGNAL_CACHE_MS = 24 * 60 * 60 * 1000;

function clampScore(n: number): number {
  return Math.max(1, Math.min(99, Math.round(n)));
}

export function signalScores(token: string, amount: number): SignalEvaluation['scores'] {
  const magnitude = Math.log10(1 + Math.abs(amount));
  const customer = clampScore(4 + 17 * magnitude + (hash32(`signal:c:${token}`) % 12));
  const bank = clampScore(2 + 12 * magnitude + (hash32(`signal:b:${token}`) % 10));
  return {
    customer_initiated_return_risk: { score: customer, risk_tier: Math.min(5, Math.ceil(customer / 20)) },
    bank_initiated_return_risk: { score: bank, risk_tier: Math.min(8, Math.ceil(bank / 12.5)) },
  };
}

export function evaluate(item: Item, clientTransactionId: string, amount: number, now: number): SignalEvaluation {
  const cached = item.signals.get(clientTransactionId);
  if (cached && now - cached.evaluatedAt < SIGNAL_CACHE_MS) return cached;
  const evaluation: SignalEvaluation = {
    amount,
    evaluatedAt: now,
    scores: signalScores(item.processorToken, amount),
    ...(cached ? { initiated: cached.initiated, returnCode: cached.returnCode } : {}),
  };
  item.signals.set(clientTransactionId, evaluation);
  return evaluation;
}

/** A handful of Plaid's core attributes, computed from the emulated account and history. */
export function coreAttributes(item: Item, history: GeneratedTransaction[], now: number): Record<string, number | boolean | null> {
  const dayMs = 86_400_000;
  const within = (days: number) =>
    history.filter((g) => now - Date.parse(`${g.transaction.date}T00:00:00Z`) < days * dayMs).map((g) => g.transaction.amount);
  const attrs: Record<string, number | boolean | null> = {
    days_since_first_plaid_connection: Math.max(0, Math.floor((now - item.createdAt.getTime()) / dayMs)),
    plaid_connections_count_7d: 1,
    plaid_connections_count_30d: 1,
    total_plaid_connections_count: 1,
    is_savings_or_money_market_account: ['savings', 'money market'].includes(item.profile.account.subtype ?? ''),
    available_balance: item.profile.account.balances.available,
    current_balance: item.profile.account.balances.current,
    unauthorized_transactions_count_30d: 0,
    nsf_overdraft_transactions_count_30d: 0,
  };
  for (const days of [10, 30, 60, 90]) {
    const amounts = within(days);
    const debits = amounts.filter((a) => a > 0);
    const credits = amounts.filter((a) => a < 0);
    attrs[`debit_transactions_count_${days}d`] = debits.length;
    attrs[`credit_transactions_count_${days}d`] = credits.length;
    attrs[`total_debit_transactions_amount_${days}d`] = Math.round(debits.reduce((s, a) => s + a, 0) * 100) / 100;
    attrs[`total_credit_transactions_amount_${days}d`] = Math.round(-credits.reduce((s, a) => s + a, 0) * 100) / 100;
  }
  return attrs;
}

/**
 * Signal's eligibility, checked after the token's own checks and before any
 * score is computed:
 * - PRODUCTS_NOT_SUPPORTED (ITEM_ERROR, error_message "") for "/signal/evaluate
 *   on a non-US financial institution", and for an account Signal cannot use
 *   (it requires "a debitable checking or savings depository account": a
 *   user_custom account may be another type);
 * - PRODUCT_NOT_READY (ITEM_ERROR) while the emulator's control holds the Item
 *   in that state, standing for "called for the first time on a new Item before
 *   any balance data could be extracted ... after 15 seconds".
 */
export function checkSignalEligibility(item: Item): void {
  if (institutionCountry(item.institution) !== 'US' || !isDebitableDepository(item.profile)) {
    throw new PlaidError({ type: 'ITEM_ERROR', code: 'PRODUCTS_NOT_SUPPORTED', message: '' });
  }
  if (item.signalNotReady) {
    throw new PlaidError({
      type: 'ITEM_ERROR',
      code: 'PRODUCT_NOT_READY',
      message: 'the requested product is not yet ready. please provide a webhook or try the request again later',
    });
  }
}

/**
 * `client_user_id` "should not" hold personally identifiable information
 * "such as an email address or phone number"; Plaid's INVALID_FIELD page
 * lists PII "provided for a field where PII is not allowed" as a cause. The
 * emulator refuses a value written as an e-mail address or a phone number.
 */
export function checkClientUserId(clientUserId: string | null | undefined): void {
  if (!clientUserId) return;
  const value = clientUserId.trim();
  const email = /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value);
  // Written as a phone number (E.164, or grouped with spaces, dashes or parentheses), so plain numeric ids pass.
  const digits = value.replace(/\D/g, '').length;
  const phone = /^\+?[\d\s().-]+$/.test(value) && digits >= 7 && digits <= 15 && (value.startsWith('+') || /[\s().-]/.test(value));
  if (email || phone) {
    throw errors.invalidField('client_user_id must not contain personally identifiable information such as an email address or phone number');
  }
}

function neverEvaluated() {
  return errors.invalidField('client_transaction_id was never evaluated with /processor/signal/evaluate');
}

/** decision/report: refused for an unknown transaction, or a second report with a different `initiated`. */
export function reportDecision(item: Item, clientTransactionId: string, initiated: boolean): void {
  const evaluation = item.signals.get(clientTransactionId);
  if (!evaluation) throw neverEvaluated();
  if (evaluation.initiated !== undefined && evaluation.initiated !== initiated) {
    throw errors.invalidField('initiated differs from the value already reported for this client_transaction_id');
  }
  evaluation.initiated = initiated;
}

/**
 * return/report: return_code "Must be a valid ACH return code (e.g. "R01")",
 * and one "not formatted correctly" is INVALID_FIELD; R-codes NACHA does not
 * assign (R00, R99, ...) are refused the same way. Refused too for a
 * transaction never evaluated.
 */
export function reportReturn(item: Item, clientTransactionId: string, returnCode: string): void {
  if (!isNachaReturnCode(returnCode)) {
    throw errors.invalidField(`return_code must be a valid ACH return code assigned by NACHA (such as R01); ${returnCode} is not one`);
  }
  const evaluation = item.signals.get(clientTransactionId);
  if (!evaluation) throw neverEvaluated();
  evaluation.returnCode = returnCode;
}

export interface SignalWarning {
  warning_type: string;
  warning_code: string;
  warning_message: string;
}

/**
 * `warnings` of /processor/signal/evaluate: "If bank information was not
 * available to be used in the Signal model, this array contains warnings
 * describing why bank data is missing", with the error code that caused it as
 * `warning_code` (ITEM_LOGIN_REQUIRED is the one Plaid names). By default Plaid
 * still answers scores in that case (an API error instead is an account
 * setting), so an Item in error gets scores plus one warning. `warning_type`
 * has no documented value; the emulator uses BANK_DATA_WARNING, after the
 * ASSET_REPORT_WARNING pattern of Plaid's other warning objects.
 */
export function signalWarnings(item: Item): SignalWarning[] {
  const code = item.error ?? item.institution.error ?? null;
  if (!code) return [];
  return [{ warning_type: 'BANK_DATA_WARNING', warning_code: code, warning_message: ITEM_ERRORS[code].message }];
}

/**
 * The emulator's ruleset, applied to whatever `ruleset_key` is sent. Rules run
 * in order and the first match is triggered; its details come back as
 * `triggered_rule_details` ({internal_note, custom_action_key}):
 * 1. customer-initiated return risk score >= 70: REROUTE
 * 2. score >= 50: REVIEW
 * 3. otherwise (the fallback rule): ACCEPT
 */
export function applyRuleset(rulesetKey: string, customerScore: number) {
  if (customerScore >= 70) {
    return {
      ruleset_key: rulesetKey,
      result: 'REROUTE',
      triggered_rule_details: {
        internal_note: 'Customer-initiated return risk score is 70 or more: reroute to another payment method',
        custom_action_key: 'reroute-high-risk',
      },
    };
  }
  if (customerScore >= 50) {
    return {
      ruleset_key: rulesetKey,
      result: 'REVIEW',
      triggered_rule_details: { internal_note: 'Customer-initiated return risk score is 50-69: manual review', custom_action_key: 'manual-review' },
    };
  }
  return {
    ruleset_key: rulesetKey,
    result: 'ACCEPT',
    triggered_rule_details: { internal_note: 'No risk rule matched: accepted by the fallback rule', custom_action_key: 'accept' },
  };
}
