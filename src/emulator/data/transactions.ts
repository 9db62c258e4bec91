import type { Transaction } from '../../plaid/schemas';
import { createRng, deterministicId, pick } from '../random';

/**
 * A deterministic transaction history for a user_good account: about 90 days,
 * 3-4 transactions a day (well over one default sync page of 100), biweekly
 * payroll credits, a monthly rent debit, and the last two days' card purchases
 * still pending. Everything derives from the Item seed and the Item's creation
 * date, so two runs with the same seed and clock produce identical data.
 */

export const HISTORY_DAYS = 90;

interface Merchant {
  name: string;
  merchant: string | null;
  pfc: [string, string];
  category: string[];
  categoryId: string;
  channel: 'online' | 'in store' | 'other';
  min: number;
  max: number;
  website: string | null;
  city: string | null;
  region: string | null;
}

const MERCHANTS: readonly Merchant[] = [
  m('Starbucks', 'Starbucks', ['FOOD_AND_DRINK', 'FOOD_AND_DRINK_COFFEE'], ['Food and Drink', 'Restaurants', 'Coffee Shop'], '13005043', 'in store', 3, 12, 'starbucks.com', 'New York', 'NY'),
  m('Uber 063015 SF**POOL**', 'Uber', ['TRANSPORTATION', 'TRANSPORTATION_TAXIS_AND_RIDE_SHARES'], ['Travel', 'Taxi'], '22016000', 'online', 6, 45, 'uber.com', null, null),
  m("McDonald's", "McDonald's", ['FOOD_AND_DRINK', 'FOOD_AND_DRINK_FAST_FOOD'], ['Food and Drink', 'Restaurants', 'Fast Food'], '13005032', 'in store', 5, 18, 'mcdonalds.com', 'Malakoff', 'NY'),
  m('Whole Foods Market', 'Whole Foods', ['FOOD_AND_DRINK', 'FOOD_AND_DRINK_GROCERIES'], ['Shops', 'Supermarkets and Groceries'], '19047000', 'in store', 20, 160, 'wholefoodsmarket.com', 'New York', 'NY'),
  m('Amazon.com', 'Amazon', ['GENERAL_MERCHANDISE', 'GENERAL_MERCHANDISE_ONLINE_MARKETPLACES'], ['Shops', 'Digital Purchase'], '19013000', 'online', 8, 220, 'amazon.com', null, null),
  m('Shell Oil 57442', 'Shell', ['TRANSPORTATION', 'TRANSPORTATION_GAS'], ['Travel', 'Gas Stations'], '22009000', 'in store', 25, 70, 'shell.com', 'Malakoff', 'NY'),
  m('Netflix', 'Netflix', ['ENTERTAINMENT', 'ENTERTAINMENT_TV_AND_MOVIES'], ['Service', 'Subscription'], '18061000', 'online', 15.49, 15.49, 'netflix.com', null, null),
  m('Sparkfun', 'SparkFun', ['GENERAL_MERCHANDISE', 'GENERAL_MERCHANDISE_ELECTRONICS'], ['Shops', 'Computers and Electronics'], '19013000', 'online', 12, 90, 'sparkfun.com', null, null),
  m('KFC', 'KFC', ['FOOD_AND_DRINK', 'FOOD_AND_DRINK_FAST_FOOD'], ['Food and Drink', 'Restaurants', 'Fast Food'], '13005032', 'in store', 6, 22, 'kfc.com', 'Malakoff', 'NY'),
  m('United Airlines', 'United Airlines', ['TRAVEL', 'TRAVEL_FLIGHTS'], ['Travel', 'Airlines and Aviation Services'], '22001000', 'online', 120, 480, 'united.com', null, null),
  m('Touchstone Climbing', null, ['ENTERTAINMENT', 'ENTERTAINMENT_SPORTING_EVENTS_AMUSEMENT_PARKS_AND_MUSEUMS'], ['Recreation', 'Gyms and Fitness Centers'], '17018000', 'in store', 78.5, 78.5, null, 'San Francisco', 'CA'),
  m('CREDIT CARD 3333 PAYMENT *//', null, ['LOAN_PAYMENTS', 'LOAN_PAYMENTS_CREDIT_CARD_PAYMENT'], ['Payment', 'Credit Card'], '16001000', 'other', 25, 25, null, null, null),
];

const PAYROLL = m('INTRST PYMNT GUSTO PAYROLL', 'Gusto', ['INCOME', 'INCOME_WAGES'], ['Transfer', 'Payroll'], '21009000', 'other', 1800, 2400, 'gusto.com', null, null);
const RENT = m('RENT PAYMENT ACH', null, ['RENT_AND_UTILITIES', 'RENT_AND_UTILITIES_RENT'], ['Payment', 'Rent'], '16002000', 'other', 1450, 1450, null, null, null);

function m(
  name: string,
  merchant: string | null,
  pfc: [string, string],
  category: string[],
  categoryId: string,
  channel: Merchant['channel'],
  min: number,
  max: number,
  website: string | null,
  city: string | null,
  region: string | null,
): Merchant {
  return { name, merchant, pfc, category, categoryId, channel, min, max, website, city, region };
}

export interface GeneratedTransaction {
  transaction: Transaction;
  /** The bank's raw description (returned only with options.include_original_description). */
  originalDescription: string;
  /** Currency of a user_custom transaction that names its own (else the account's). */
  currency?: string;
  /** When a pending user_custom transaction posts (its configured date_posted). */
  postOn?: string;
}

/** One entry of a user_custom account's `transactions` (Plaid's custom-user configuration). */
export interface CustomTransactionConfig {
  date_transacted: string;
  date_posted: string;
  amount: number;
  description: string;
  currency?: string;
}

export interface NewTransactionInput {
  amount?: number;
  date?: string;
  name?: string;
  pending?: boolean;
}

function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

export function buildTransaction(
  seed: string,
  accountId: string,
  merchant: Merchant,
  date: string,
  amount: number,
  pending: boolean,
): GeneratedTransaction {
  const id = deterministicId(`txn:${seed}`);
  const isCard = merchant.channel !== 'other';
  const transaction: Transaction = {
    transaction_id: id,
    account_id: accountId,
    amount,
    iso_currency_code: 'USD',
    unofficial_currency_code: null,
    category: merchant.category,
    category_id: merchant.categoryId,
    check_number: null,
    date,
    datetime: null,
    authorized_date: isCard ? date : null,
    authorized_datetime: null,
    location: {
      address: null,
      city: merchant.city,
      region: merchant.region,
      postal_code: null,
      country: merchant.city ? 'US' : null,
      lat: null,
      lon: null,
      store_number: null,
    },
    name: merchant.name,
    merchant_name: merchant.merchant,
    merchant_entity_id: null,
    original_description: null,
    payment_meta: {
      reference_number: null,
      ppd_id: null,
      payee: null,
      by_order_of: null,
      payer: null,
      payment_method: null,
      payment_processor: null,
      reason: null,
    },
    payment_channel: merchant.channel,
    pending,
    pending_transaction_id: null,
    account_owner: null,
    logo_url: merchant.website ? `https://plaid-merchant-logos.plaid.com/${merchant.website.replace(/\W/g, '_')}.png` : null,
    website: merchant.website,
    personal_finance_category: { primary: merchant.pfc[0], detailed: merchant.pfc[1], confidence_level: 'VERY_HIGH' },
    transaction_code: null,
    transaction_type: isCard ? (merchant.channel === 'online' ? 'digital' : 'place') : 'special',
  };
  return { transaction, originalDescription: merchant.name.toUpperCase() };
}

/**
 * The initial history, oldest first: `days` days up to the Item's creation day
 * (HISTORY_DAYS, 90, unless `options.days_requested` of the first
 * /processor/transactions/sync asked for another amount, 1-730).
 */
export function generateHistory(
  itemSeed: string,
  accountId: string,
  createdAt: Date,
  days: number = HISTORY_DAYS,
  /** A user_custom `seed`: the same seed gives the same amounts, merchants and day offsets on every Item (ids stay the Item's). */
  dataSeed?: string,
): GeneratedTransaction[] {
  const rng = createRng(dataSeed === undefined ? `history:${itemSeed}` : `history:seed:${dataSeed}`);
  const out: GeneratedTransaction[] = [];
  const today = Date.UTC(createdAt.getUTCFullYear(), createdAt.getUTCMonth(), createdAt.getUTCDate());
  let n = 0;
  for (let daysAgo = days - 1; daysAgo >= 0; daysAgo--) {
    const day = new Date(today - daysAgo * 86_400_000);
    const date = isoDate(day);
    if (daysAgo % 14 === 3) {
      out.push(buildTransaction(`${itemSeed}:${n++}`, accountId, PAYROLL, date, -round2(PAYROLL.min + rng() * (PAYROLL.max - PAYROLL.min)), false));
    }
    if (day.getUTCDate() === 1) out.push(buildTransaction(`${itemSeed}:${n++}`, accountId, RENT, date, RENT.min, false));
    const perDay = 3 + Math.floor(rng() * 2);
    for (let i = 0; i < perDay; i++) {
      const merchant = pick(rng, MERCHANTS);
      const amount = round2(merchant.min + rng() * (merchant.max - merchant.min));
      const pending = daysAgo < 2 && merchant.channel !== 'other';
      out.push(buildTransaction(`${itemSeed}:${n++}`, accountId, merchant, date, amount, pending));
    }
  }
  return out;
}

/** A transaction added through the emulator's control endpoint (amount/date/name chosen by the caller or derived). */
export function newTransaction(
  itemSeed: string,
  sequence: number,
  accountId: string,
  today: Date,
  input: NewTransactionInput,
): GeneratedTransaction {
  const rng = createRng(`new:${itemSeed}:${sequence}`);
  const merchant = pick(rng, MERCHANTS);
  const named = input.name ? { ...merchant, name: input.name, merchant: null, website: null } : merchant;
  const amount = input.amount ?? round2(merchant.min + rng() * (merchant.max - merchant.min));
  return buildTransaction(`${itemSeed}:new:${sequence}`, accountId, named, input.date ?? isoDate(today), amount, input.pending ?? false);
}

/**
 * A user_custom account's configured history, oldest first, within the `days`
 * up to the Item's creation day. Plaid documents the fields: a `date_posted`
 * "in the past or present will result in posted transactions; posted dates in
 * the future will result in pending transactions". A posted transaction is
 * dated `date_posted` and authorized on `date_transacted`; a pending one is
 * dated `date_transacted` and posts on `date_posted`. `description` is the
 * name (and the original description); `currency` defaults to the account's.
 */
export function customHistory(
  itemSeed: string,
  accountId: string,
  createdAt: Date,
  configured: readonly CustomTransactionConfig[],
  days: number = HISTORY_DAYS,
): GeneratedTransaction[] {
  const today = isoDate(createdAt);
  const firstDay = isoDate(new Date(Date.parse(`${today}T00:00:00Z`) - (days - 1) * 86_400_000));
  return configured
    .map((config, index) => {
      const pending = config.date_posted > today;
      const date = pending ? config.date_transacted : config.date_posted;
      const merchant: Merchant = { ...CUSTOM_MERCHANT, name: config.description };
      const built = buildTransaction(`${itemSeed}:custom:${index}`, accountId, merchant, date, config.amount, pending);
      built.transaction.authorized_date = config.date_transacted;
      // Plaid enriches what it pulls from a bank; the emulator does not invent categories for a configured description.
      built.transaction.category = null;
      built.transaction.category_id = null;
      built.transaction.personal_finance_category = null;
      built.transaction.transaction_type = 'unresolved';
      return {
        ...built,
        originalDescription: config.description,
        ...(config.currency ? { currency: config.currency } : {}),
        ...(pending ? { postOn: config.date_posted } : {}),
      };
    })
    .filter((tx) => tx.transaction.date >= firstDay)
    .sort((a, b) => (a.transaction.date < b.transaction.date ? -1 : a.transaction.date > b.transaction.date ? 1 : 0));
}

/** A configured transaction has no merchant, website or location. */
const CUSTOM_MERCHANT: Merchant = m('', null, ['GENERAL_MERCHANDISE', 'GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE'], [], '', 'other', 0, 0, null, null, null);

/**
 * A user_custom `inflow_model` of type monthly-income: "Income occurs once per
 * month" on `payment_day_of_month` (or the month's last day), named
 * `transaction_name`, for `income_amount` (money in, so a negative amount in
 * Plaid's sign convention), posted, on each such day within the `days` up to
 * the Item's creation day. These "appear in addition to" the other
 * transactions.
 */
export function monthlyIncomeHistory(
  itemSeed: string,
  accountId: string,
  createdAt: Date,
  income: { amount: number; day: number | 'last'; name: string },
  days: number = HISTORY_DAYS,
): GeneratedTransaction[] {
  const today = Date.UTC(createdAt.getUTCFullYear(), createdAt.getUTCMonth(), createdAt.getUTCDate());
  const merchant: Merchant = { ...INCOME_MERCHANT, name: income.name };
  const out: GeneratedTransaction[] = [];
  for (let daysAgo = days - 1; daysAgo >= 0; daysAgo--) {
    const day = new Date(today - daysAgo * 86_400_000);
    const lastOfMonth = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth() + 1, 0)).getUTCDate();
    const payday = income.day === 'last' ? lastOfMonth : income.day;
    if (day.getUTCDate() !== payday) continue;
    const tx = buildTransaction(`${itemSeed}:income:${isoDate(day)}`, accountId, merchant, isoDate(day), -income.amount, false);
    out.push({ ...tx, originalDescription: income.name.toUpperCase() });
  }
  return out;
}

const INCOME_MERCHANT: Merchant = m('', null, ['INCOME', 'INCOME_WAGES'], ['Transfer', 'Payroll'], '21009000', 'other', 0, 0, null, null, null);
