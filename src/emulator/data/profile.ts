import type { AccountBase, Owner, ProcessorNumber } from '../../plaid/schemas';
import { institutionCountry, type EmulatorInstitution } from '../institutions';
import type { CustomTransactionConfig } from './transactions';
import { USER_GOOD_ACCOUNT, USER_GOOD_NUMBERS, USER_GOOD_OWNER } from './user-good';

/**
 * What one token's account looks like: the account fields, its identifying
 * numbers per scheme (null = the scheme is not used by the account), and its
 * owners. user_good's profile depends on the institution's country; a
 * `user_custom` Item's profile follows the caller's JSON configuration.
 */
export interface AccountProfile {
  account: {
    name: string;
    official_name: string | null;
    mask: string | null;
    type: string;
    subtype: string | null;
    holder_category: string | null;
    balances: {
      available: number | null;
      current: number | null;
      limit: number | null;
      iso_currency_code: string | null;
      unofficial_currency_code: string | null;
    };
  };
  numbers: {
    ach: { account: string; routing: string; wire_routing: string | null } | null;
    eft: { account: string; institution: string; branch: string } | null;
    international: { iban: string; bic: string } | null;
    bacs: { account: string; sort_code: string } | null;
  };
  owners: Owner[];
  /** A user_custom account's configured transactions: its whole history, in place of the generated one. */
  transactions?: readonly CustomTransactionConfig[];
  /** A user_custom `seed`: the generated history follows it instead of the token. */
  dataSeed?: string;
  /** A user_custom `inflow_model` of type monthly-income: one income transaction a month, besides the history. */
  monthlyIncome?: MonthlyIncome;
}

export interface MonthlyIncome {
  amount: number;
  /** 1-28, or the last day of the month. */
  day: number | 'last';
  name: string;
}

/**
 * "Auth and Signal require a debitable checking or savings depository
 * account" (Plaid's account type / product matrix).
 */
export function isDebitableDepository(profile: AccountProfile): boolean {
  return profile.account.type === 'depository' && ['checking', 'savings'].includes(profile.account.subtype ?? '');
}

/**
 * /processor/transactions/sync "provides user-authorized transaction data for
 * credit, depository, and some loan-type accounts (only those with account
 * subtype student ...). For transaction history from investments accounts,
 * use /investments/transactions/get instead."
 */
export function supportsTransactions(profile: AccountProfile): boolean {
  const { type, subtype } = profile.account;
  return type === 'depository' || type === 'credit' || (type === 'loan' && subtype === 'student');
}

/**
 * The number schemes an account at an institution of `country` uses. Plaid's
 * /processor/auth/get: "The identifying number type (ACH, EFT, IBAN, or BACS)
 * used will depend on the country of the account ... If a particular
 * identifying number type is not used by the account ..., a null value will be
 * returned." US accounts use ACH; Canadian ones EFT; UK ones BACS and, for
 * international transfers, IBAN/BIC.
 */
export function numbersForCountry(country: string): AccountProfile['numbers'] {
  return {
    ach: country === 'US' ? { ...USER_GOOD_NUMBERS.ach } : null,
    eft: country === 'CA' ? { ...USER_GOOD_NUMBERS.eft } : null,
    international: country === 'GB' ? { ...USER_GOOD_NUMBERS.international } : null,
    bacs: country === 'GB' ? { ...USER_GOOD_NUMBERS.bacs } : null,
  };
}

const CURRENCY_BY_COUNTRY: Record<string, string> = { US: 'USD', CA: 'CAD', GB: 'GBP' };

/** user_good's Plaid Checking at `institution`: numbers of the institution's scheme, balances in its currency. */
export function userGoodProfile(institution: EmulatorInstitution): AccountProfile {
  const country = institutionCountry(institution);
  return {
    account: {
      name: USER_GOOD_ACCOUNT.name,
      official_name: USER_GOOD_ACCOUNT.official_name,
      mask: USER_GOOD_ACCOUNT.mask,
      type: USER_GOOD_ACCOUNT.type,
      subtype: USER_GOOD_ACCOUNT.subtype,
      holder_category: 'personal',
      balances: { ...USER_GOOD_ACCOUNT.balances, iso_currency_code: CURRENCY_BY_COUNTRY[country] ?? 'USD' },
    },
    numbers: numbersForCountry(country),
    owners: [USER_GOOD_OWNER],
  };
}

/** The account object of a response (`last_updated_datetime` only where the institution reports it). */
export function profileAccount(profile: AccountProfile, accountId: string, lastUpdated: string | null): AccountBase {
  const { balances, ...rest } = profile.account;
  return { account_id: accountId, balances: { ...balances, last_updated_datetime: lastUpdated }, ...rest };
}

/** /processor/auth/get `numbers`: one object per scheme the account uses, null for the others. */
export function profileNumbers(profile: AccountProfile, accountId: string): ProcessorNumber {
  const { ach, eft, international, bacs } = profile.numbers;
  return {
    ach: ach ? { account_id: accountId, ...ach, can_transfer_in: true, can_transfer_out: true } : null,
    eft: eft ? { account_id: accountId, ...eft } : null,
    international: international ? { account_id: accountId, ...international } : null,
    bacs: bacs ? { account_id: accountId, ...bacs } : null,
  };
}

/** One entry of /processor/auth/get `numbers` before API version 2020-09-14. */
export interface LegacyProcessorNumber {
  account: string;
  account_id: string;
  routing: string;
  wire_routing: string | null;
}

/**
 * /processor/auth/get `numbers` for API versions before 2020-09-14. Plaid's
 * versioning page: that release brought /processor/auth/get "in line with the
 * /auth/get response" (`ach`, `eft`, `international`, `bacs`); the earlier
 * extensions for international accounts "were never extended to the
 * /processor/auth/get endpoint", which answered a flat list of ACH numbers,
 * `[{account, account_id, routing, wire_routing}]`. An account without ACH
 * numbers (Canadian, UK) therefore has none to list in those versions.
 */
export function legacyProcessorNumbers(profile: AccountProfile, accountId: string): LegacyProcessorNumber[] {
  const { ach } = profile.numbers;
  return ach ? [{ account: ach.account, account_id: accountId, routing: ach.routing, wire_routing: ach.wire_routing }] : [];
}
