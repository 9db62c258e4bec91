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
export function generateHistory(itemSeed: string, accountId: string, createdAt: Date, days: number = HISTORY_DAYS): GeneratedTransaction[] {
  const rng = createRng(`history:${itemSeed}`);
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
