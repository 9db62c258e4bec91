import { z } from '@hono/zod-openapi';

/** Account objects as Plaid returns them (loose: Plaid adds fields over time). */

export const accountBalanceSchema = z
  .looseObject({
    available: z.number().nullable(),
    current: z.number().nullable(),
    limit: z.number().nullable(),
    iso_currency_code: z.string().nullable(),
    unofficial_currency_code: z.string().nullable(),
    last_updated_datetime: z.string().nullable().optional(),
  })
  .openapi('AccountBalance');

export const ACCOUNT_TYPES = ['investment', 'credit', 'depository', 'loan', 'brokerage', 'other'] as const;

export const accountBaseSchema = z
  .looseObject({
    account_id: z.string(),
    balances: accountBalanceSchema,
    mask: z.string().nullable(),
    name: z.string(),
    official_name: z.string().nullable(),
    type: z.string().openapi({ description: `One of ${ACCOUNT_TYPES.join(', ')}.`, example: 'depository' }),
    subtype: z.string().nullable().openapi({ example: 'checking' }),
    verification_status: z.string().optional(),
    persistent_account_id: z.string().optional(),
    holder_category: z.string().nullable().optional(),
  })
  .openapi('AccountBase');

export type AccountBase = z.infer<typeof accountBaseSchema>;

export const numbersAchSchema = z
  .looseObject({
    account_id: z.string(),
    account: z.string(),
    routing: z.string(),
    wire_routing: z.string().nullable(),
    is_tokenized_account_number: z.boolean().optional(),
    can_transfer_in: z.boolean().nullable().optional(),
    can_transfer_out: z.boolean().nullable().optional(),
  })
  .openapi('NumbersACH');

export const numbersEftSchema = z
  .looseObject({ account_id: z.string(), account: z.string(), institution: z.string(), branch: z.string() })
  .openapi('NumbersEFT');

export const numbersInternationalSchema = z
  .looseObject({ account_id: z.string(), iban: z.string(), bic: z.string() })
  .openapi('NumbersInternational');

export const numbersBacsSchema = z
  .looseObject({ account_id: z.string(), account: z.string(), sort_code: z.string() })
  .openapi('NumbersBACS');

/** /processor/auth/get `numbers`: one nullable object per scheme (not arrays; README gap 6). */
export const processorNumberSchema = z
  .looseObject({
    ach: numbersAchSchema.nullable().optional(),
    eft: numbersEftSchema.nullable().optional(),
    international: numbersInternationalSchema.nullable().optional(),
    bacs: numbersBacsSchema.nullable().optional(),
  })
  .openapi('ProcessorNumber');

export type ProcessorNumber = z.infer<typeof processorNumberSchema>;

export const addressDataSchema = z
  .looseObject({
    city: z.string().nullable(),
    region: z.string().nullable(),
    street: z.string(),
    postal_code: z.string().nullable(),
    country: z.string().nullable(),
  })
  .openapi('AddressData');

export const ownerSchema = z
  .looseObject({
    names: z.array(z.string()),
    phone_numbers: z.array(
      z.looseObject({
        data: z.string(),
        primary: z.boolean(),
        type: z.enum(['home', 'work', 'office', 'mobile', 'mobile1', 'other']),
      }),
    ),
    emails: z.array(z.looseObject({ data: z.string(), primary: z.boolean(), type: z.enum(['primary', 'secondary', 'other']) })),
    addresses: z.array(z.looseObject({ data: addressDataSchema, primary: z.boolean().optional() })),
  })
  .openapi('Owner');

export type Owner = z.infer<typeof ownerSchema>;

export const accountIdentitySchema = accountBaseSchema.extend({ owners: z.array(ownerSchema) }).openapi('AccountIdentity');

export type AccountIdentity = z.infer<typeof accountIdentitySchema>;

const score = z.number().int().min(0).max(100).nullable();

export const nameMatchScoreSchema = z
  .looseObject({
    score: score.optional(),
    is_first_name_or_last_name_match: z.boolean().nullable().optional(),
    is_nickname_match: z.boolean().nullable().optional(),
    is_business_name_detected: z.boolean().nullable().optional(),
  })
  .openapi('NameMatchScore');

export const phoneNumberMatchScoreSchema = z.looseObject({ score: score.optional() }).openapi('PhoneNumberMatchScore');
export const emailAddressMatchScoreSchema = z.looseObject({ score: score.optional() }).openapi('EmailAddressMatchScore');
export const addressMatchScoreSchema = z
  .looseObject({ score: score.optional(), is_postal_code_match: z.boolean().nullable().optional() })
  .openapi('AddressMatchScore');

export const accountIdentityMatchScoreSchema = accountBaseSchema
  .extend({
    legal_name: nameMatchScoreSchema.nullable().optional(),
    phone_number: phoneNumberMatchScoreSchema.nullable().optional(),
    email_address: emailAddressMatchScoreSchema.nullable().optional(),
    address: addressMatchScoreSchema.nullable().optional(),
  })
  .openapi('AccountIdentityMatchScore');

export type AccountIdentityMatchScore = z.infer<typeof accountIdentityMatchScoreSchema>;
