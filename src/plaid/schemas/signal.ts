import { z } from '@hono/zod-openapi';
import { plaidRequest, processorTokenSchema, requestIdSchema, userAddressSchema } from './common';

/** /processor/signal/evaluate, /decision/report and /return/report. */

const clientTransactionId = z
  .string()
  .min(1)
  .max(36)
  .openapi({ description: 'Your unique id for the transaction (1-36 characters).', example: 'txn-1234' });

export const SIGNAL_PAYMENT_METHODS = [
  'SAME_DAY_ACH',
  'NEXT_DAY_ACH',
  'STANDARD_ACH',
  'REAL_TIME_PAYMENTS',
  'DEBIT_CARD',
  'MULTIPLE_PAYMENT_METHODS',
] as const;

export const SIGNAL_DECISION_OUTCOMES = ['APPROVE', 'REVIEW', 'REJECT', 'TAKE_OTHER_RISK_MEASURES', 'NOT_EVALUATED'] as const;

export const signalUserSchema = z
  .strictObject({
    name: z
      .strictObject({
        prefix: z.string().nullish(),
        given_name: z.string().nullish(),
        middle_name: z.string().nullish(),
        family_name: z.string().nullish(),
        suffix: z.string().nullish(),
      })
      .nullish(),
    phone_number: z.string().nullish(),
    email_address: z.string().nullish(),
    address: userAddressSchema.nullish(),
  })
  .openapi('SignalUser');

export const signalDeviceSchema = z
  .strictObject({ ip_address: z.string().nullish(), user_agent: z.string().nullish() })
  .openapi('SignalDevice');

export const processorSignalEvaluateRequestSchema = plaidRequest({
  processor_token: processorTokenSchema,
  client_transaction_id: clientTransactionId,
  amount: z.number().openapi({ description: 'Transaction amount in USD (e.g. 102.05).', example: 102.05 }),
  user_present: z.boolean().nullish(),
  client_user_id: z.string().nullish(),
  is_recurring: z.boolean().nullish(),
  default_payment_method: z.string().nullish(),
  user: signalUserSchema.optional(),
  device: signalDeviceSchema.optional(),
  ruleset_key: z.string().nullish(),
}).openapi('ProcessorSignalEvaluateRequest');

export type ProcessorSignalEvaluateRequest = z.infer<typeof processorSignalEvaluateRequestSchema>;

export const signalScoresSchema = z
  .looseObject({
    customer_initiated_return_risk: z
      .looseObject({ score: z.number().int().min(1).max(99), risk_tier: z.number().int().min(1).max(5) })
      .optional(),
    bank_initiated_return_risk: z
      .looseObject({ score: z.number().int().min(1).max(99), risk_tier: z.number().int().min(1).max(8) })
      .optional(),
  })
  .openapi('SignalScores');

export const signalWarningSchema = z
  .looseObject({ warning_type: z.string(), warning_code: z.string(), warning_message: z.string() })
  .openapi('SignalWarning');

export const processorSignalEvaluateResponseSchema = z
  .looseObject({
    request_id: requestIdSchema,
    scores: signalScoresSchema.nullable(),
    core_attributes: z.record(z.string(), z.unknown()).optional(),
    ruleset: z.looseObject({ ruleset_key: z.string().optional(), result: z.string() }).nullable().optional(),
    warnings: z.array(signalWarningSchema),
  })
  .openapi('ProcessorSignalEvaluateResponse');

export type ProcessorSignalEvaluateResponse = z.infer<typeof processorSignalEvaluateResponseSchema>;

export const processorSignalDecisionReportRequestSchema = plaidRequest({
  processor_token: processorTokenSchema,
  client_transaction_id: clientTransactionId,
  initiated: z.boolean().openapi({ description: 'true if the transaction was initiated (funds moved or will move).' }),
  days_funds_on_hold: z.number().int().min(0).nullish(),
  decision_outcome: z.enum(SIGNAL_DECISION_OUTCOMES).nullish(),
  payment_method: z.enum(SIGNAL_PAYMENT_METHODS).nullish(),
  amount_instantly_available: z.number().nullish(),
}).openapi('ProcessorSignalDecisionReportRequest');

export type ProcessorSignalDecisionReportRequest = z.infer<typeof processorSignalDecisionReportRequestSchema>;

export const processorSignalDecisionReportResponseSchema = z
  .looseObject({ request_id: requestIdSchema })
  .openapi('ProcessorSignalDecisionReportResponse');

/** ACH return codes look like R01..R99 (Plaid: "must be formatted correctly", else INVALID_FIELD). */
export const ACH_RETURN_CODE_PATTERN = /^R\d{2}$/;

/**
 * The return codes NACHA assigns (the ACH rules' return reason codes): R01-R47,
 * R50-R53, the dishonored and contested dishonored returns R61, R62, R67-R77,
 * and the IAT codes R80-R85. R00, R48-R49, R54-R60, R63-R66 (retired) and
 * R78-R79, R86-R99 are not return codes. Plaid: return_code "Must be a valid
 * ACH return code (e.g. "R01")".
 */
export const NACHA_RETURN_CODES: readonly string[] = [
  ...range(1, 47),
  ...range(50, 53),
  61,
  62,
  ...range(67, 77),
  ...range(80, 85),
].map((n) => `R${String(n).padStart(2, '0')}`);

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

export function isNachaReturnCode(code: string): boolean {
  return NACHA_RETURN_CODES.includes(code);
}

export const processorSignalReturnReportRequestSchema = plaidRequest({
  processor_token: processorTokenSchema,
  client_transaction_id: clientTransactionId,
  return_code: z
    .string()
    .regex(ACH_RETURN_CODE_PATTERN, 'must be an ACH return code such as R01')
    .openapi({ description: 'The ACH return code, e.g. R01.', example: 'R01' }),
  returned_at: z.iso.datetime({ offset: true }).nullish(),
}).openapi('ProcessorSignalReturnReportRequest');

export type ProcessorSignalReturnReportRequest = z.infer<typeof processorSignalReturnReportRequestSchema>;

export const processorSignalReturnReportResponseSchema = z
  .looseObject({ request_id: requestIdSchema })
  .openapi('ProcessorSignalReturnReportResponse');
