import { z } from '@hono/zod-openapi';
import type { Owner } from '../plaid/schemas';
import { numbersForCountry, type AccountProfile } from './data/profile';
import { USER_GOOD_ACCOUNT, USER_GOOD_OWNER } from './data/user-good';
import { institutionCountry, type EmulatorInstitution } from './institutions';
import { itemError } from './item-errors';

/**
 * Plaid's custom Sandbox users: username `user_custom`, password a JSON
 * configuration object. The emulator reads the part of Plaid's configuration
 * schema that processor endpoints show: `seed` (the generated history follows
 * it) and `override_accounts[]` with `type`, `subtype`, `starting_balance`,
 * `force_available_balance`, `currency`, `meta {name, official_name, limit,
 * mask}`, `numbers {...}`, `transactions[]` (the account's whole history) and
 * `identity {names, phone_numbers, emails, addresses}` and `inflow_model`
 * (its monthly income). The token points to the first account of
 * `override_accounts` (a processor token names one account). Fields no
 * processor endpoint shows (holdings, investment_transactions, liability,
 * income...) are accepted and ignored.
 *
 * A password that is not JSON, or JSON that does not follow the schema,
 * answers INVALID_CREDENTIALS at creation: Plaid documents no dedicated code,
 * and its Sandbox answers a configuration it cannot use that way.
 */

export const CUSTOM_USERNAME = 'user_custom';

const ACCOUNT_TYPES = ['investment', 'credit', 'depository', 'loan', 'payroll', 'other'] as const;

const identitySchema = z.looseObject({
  names: z.array(z.string()).optional(),
  phone_numbers: z
    .array(
      z.looseObject({
        data: z.string(),
        primary: z.boolean().optional(),
        type: z.enum(['home', 'work', 'office', 'mobile', 'mobile1', 'other']).optional(),
      }),
    )
    .optional(),
  emails: z
    .array(z.looseObject({ data: z.string(), primary: z.boolean().optional(), type: z.enum(['primary', 'secondary', 'other']).optional() }))
    .optional(),
  addresses: z
    .array(
      z.looseObject({
        data: z.looseObject({
          city: z.string().nullish(),
          region: z.string().nullish(),
          street: z.string(),
          postal_code: z.string().nullish(),
          country: z.string().nullish(),
        }),
        primary: z.boolean().optional(),
      }),
    )
    .optional(),
});

const numbersSchema = z
  .looseObject({
    account: z.string().min(1).optional(),
    ach_routing: z.string().regex(/^\d{9}$/).optional(),
    ach_wire_routing: z.string().regex(/^\d{9}$/).optional(),
    eft_institution: z.string().min(1).optional(),
    eft_branch: z.string().min(1).optional(),
    international_bic: z.string().min(1).optional(),
    international_iban: z.string().min(1).optional(),
    bacs_sort_code: z.string().min(1).optional(),
  })
  .refine((n) => (n.eft_institution === undefined) === (n.eft_branch === undefined), 'eft_institution and eft_branch go together')
  .refine((n) => (n.international_bic === undefined) === (n.international_iban === undefined), 'international_bic and international_iban go together');

/** A calendar date, YYYY-MM-DD, that exists. */
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'not a calendar date');

const transactionSchema = z.looseObject({
  date_transacted: isoDate,
  date_posted: isoDate,
  amount: z.number(),
  description: z.string().min(1),
  currency: z.string().regex(/^[A-Z]{3}$/).optional(),
});

const dayOfMonth = z.union([z.number().int().min(1).max(28), z.literal('last'), z.string().regex(/^([1-9]|1\d|2[0-8])$/)]);

/** `inflow_model`: monthly-income needs its amount, day and name (the other types need a statement day). */
const inflowModelSchema = z
  .looseObject({
    type: z.enum(['none', 'monthly-income', 'monthly-balance-payment', 'monthly-interest-only-payment']),
    income_amount: z.number().positive().optional(),
    payment_day_of_month: dayOfMonth.optional(),
    transaction_name: z.string().min(1).optional(),
    statement_day_of_month: dayOfMonth.optional(),
  })
  .refine(
    (m) => m.type !== 'monthly-income' || (m.income_amount !== undefined && m.payment_day_of_month !== undefined && m.transaction_name !== undefined),
    'monthly-income needs income_amount, payment_day_of_month and transaction_name',
  )
  .refine(
    (m) => !m.type.startsWith('monthly-') || m.type === 'monthly-income' || (m.payment_day_of_month !== undefined && m.transaction_name !== undefined && m.statement_day_of_month !== undefined),
    'payments need payment_day_of_month, transaction_name and statement_day_of_month',
  );

const accountSchema = z.looseObject({
  type: z.enum(ACCOUNT_TYPES),
  subtype: z.string().nullable(),
  starting_balance: z.number().optional(),
  force_available_balance: z.number().optional(),
  currency: z.string().regex(/^[A-Z]{3}$/).optional(),
  meta: z
    .looseObject({
      name: z.string().optional(),
      official_name: z.string().optional(),
      limit: z.number().optional(),
      mask: z.string().regex(/^$|^[A-Za-z0-9]{2,4}$/).optional(),
    })
    .optional(),
  numbers: numbersSchema.optional(),
  transactions: z.array(transactionSchema).optional(),
  identity: identitySchema.optional(),
  inflow_model: inflowModelSchema.optional(),
});

export const customUserConfigSchema = z.looseObject({
  version: z.union([z.string(), z.number()]).optional(),
  seed: z.string().optional(),
  override_accounts: z.array(accountSchema).optional(),
});

export type CustomUserConfig = z.infer<typeof customUserConfigSchema>;

/** Parses a user_custom password; anything unusable is INVALID_CREDENTIALS. */
export function parseCustomUser(password: string): CustomUserConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(password);
  } catch {
    throw itemError('INVALID_CREDENTIALS');
  }
  const parsed = customUserConfigSchema.safeParse(raw);
  if (!parsed.success) throw itemError('INVALID_CREDENTIALS');
  return parsed.data;
}

/**
 * The token's account for a configuration. Fields left out keep user_good's
 * values ("Any fields not specified will be filled in with default Sandbox
 * information"); the number schemes are the institution's, plus any scheme the
 * configuration gives numbers for.
 */
export function customProfile(config: CustomUserConfig, institution: EmulatorInstitution): AccountProfile {
  const country = institutionCountry(institution);
  const first = config.override_accounts?.[0];
  const defaults = numbersForCountry(country);
  const currency = first?.currency ?? (country === 'CA' ? 'CAD' : country === 'GB' ? 'GBP' : 'USD');
  const current = first?.starting_balance ?? USER_GOOD_ACCOUNT.balances.current;
  const available = first?.force_available_balance ?? (first?.starting_balance ?? USER_GOOD_ACCOUNT.balances.available);
  const n = first?.numbers ?? {};
  const accountNumber = n.account ?? n.international_iban;
  const type = first?.type ?? USER_GOOD_ACCOUNT.type;
  const subtype = first ? first.subtype : USER_GOOD_ACCOUNT.subtype;
  const numbers: AccountProfile['numbers'] = {
    ach:
      defaults.ach || n.ach_routing
        ? {
            account: accountNumber ?? defaults.ach?.account ?? '1111222233330000',
            routing: n.ach_routing ?? defaults.ach?.routing ?? '011401533',
            wire_routing: n.ach_wire_routing ?? defaults.ach?.wire_routing ?? null,
          }
        : null,
    eft:
      defaults.eft || n.eft_institution
        ? {
            account: accountNumber ?? defaults.eft?.account ?? '111122223333',
            institution: n.eft_institution ?? defaults.eft!.institution,
            branch: n.eft_branch ?? defaults.eft!.branch,
          }
        : null,
    international:
      defaults.international || n.international_iban
        ? { iban: n.international_iban ?? defaults.international!.iban, bic: n.international_bic ?? defaults.international!.bic }
        : null,
    bacs:
      defaults.bacs || n.bacs_sort_code
        ? { account: accountNumber ?? defaults.bacs?.account ?? '31926819', sort_code: n.bacs_sort_code ?? defaults.bacs!.sort_code }
        : null,
  };
  const identity = first?.identity;
  const owner: Owner = {
    names: identity?.names ?? USER_GOOD_OWNER.names,
    phone_numbers: identity?.phone_numbers?.map((p) => ({ data: p.data, primary: p.primary ?? false, type: p.type ?? 'other' })) ?? USER_GOOD_OWNER.phone_numbers,
    emails: identity?.emails?.map((e) => ({ data: e.data, primary: e.primary ?? false, type: e.type ?? 'other' })) ?? USER_GOOD_OWNER.emails,
    addresses:
      identity?.addresses?.map((a) => ({
        data: {
          city: a.data.city ?? null,
          region: a.data.region ?? null,
          street: a.data.street,
          postal_code: a.data.postal_code ?? null,
          country: a.data.country ?? null,
        },
        primary: a.primary ?? false,
      })) ?? USER_GOOD_OWNER.addresses,
  };
  return {
    account: {
      name: first?.meta?.name ?? (first ? defaultName(type, subtype) : USER_GOOD_ACCOUNT.name),
      official_name: first?.meta?.official_name ?? (first ? null : USER_GOOD_ACCOUNT.official_name),
      mask: first?.meta?.mask ?? (accountNumber ? accountNumber.slice(-4) : USER_GOOD_ACCOUNT.mask),
      type,
      subtype,
      holder_category: 'personal',
      balances: { available, current, limit: first?.meta?.limit ?? null, iso_currency_code: currency, unofficial_currency_code: null },
    },
    numbers,
    owners: [owner],
    ...(first?.transactions ? { transactions: first.transactions } : {}),
    ...(first?.inflow_model?.type === 'monthly-income'
      ? {
          monthlyIncome: {
            amount: first.inflow_model.income_amount!,
            day: first.inflow_model.payment_day_of_month === 'last' ? 'last' : Number(first.inflow_model.payment_day_of_month),
            name: first.inflow_model.transaction_name!,
          },
        }
      : {}),
    ...(config.seed !== undefined ? { dataSeed: config.seed } : {}),
  };
}

/** "Plaid Saving", "Plaid Credit Card"...: user_good's naming for an account with no meta.name. */
function defaultName(type: string, subtype: string | null): string {
  const words = (subtype ?? type).split(' ').map((w) => w.charAt(0).toUpperCase() + w.slice(1));
  return `Plaid ${words.join(' ')}`;
}
