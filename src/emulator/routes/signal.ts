import {
  processorSignalDecisionReportRequestSchema,
  processorSignalDecisionReportResponseSchema,
  processorSignalEvaluateRequestSchema,
  processorSignalEvaluateResponseSchema,
  processorSignalReturnReportRequestSchema,
  processorSignalReturnReportResponseSchema,
} from '../../plaid/schemas';
import { checkSignalEligibility, coreAttributes, evaluate, reportDecision, reportReturn } from '../signal';
import { createEmulatorRouter, plaidPost, type EmulatorContext } from '../router';
import { ensureLog } from '../transactions';
import { guardedItem } from './guard';

/** /processor/signal/evaluate, /decision/report, /return/report. */
export function signalRoutes(ctx: EmulatorContext) {
  const router = createEmulatorRouter();

  plaidPost(
    router,
    { path: '/processor/signal/evaluate', summary: 'ACH return risk', request: processorSignalEvaluateRequestSchema, response: processorSignalEvaluateResponseSchema },
    (body, c) => {
      const item = guardedItem(ctx, c, body.processor_token, {
        product: 'signal',
        needsHealthyItem: true,
        transactionKey: body.client_transaction_id,
      });
      checkSignalEligibility(item);
      const now = ctx.clock().getTime();
      const evaluation = evaluate(item, body.client_transaction_id, body.amount, now);
      const history = ensureLog(item).flatMap((e) => (e.kind === 'added' ? [e.tx] : []));
      const customer = evaluation.scores.customer_initiated_return_risk?.score ?? 1;
      return {
        scores: evaluation.scores,
        core_attributes: coreAttributes(item, history, now),
        ...(body.ruleset_key
          ? { ruleset: { ruleset_key: body.ruleset_key, result: customer >= 70 ? 'REROUTE' : customer >= 50 ? 'REVIEW' : 'ACCEPT' } }
          : {}),
        warnings: [],
      };
    },
  );

  plaidPost(
    router,
    {
      path: '/processor/signal/decision/report',
      summary: 'Report whether a Signal-evaluated transaction was initiated',
      request: processorSignalDecisionReportRequestSchema,
      response: processorSignalDecisionReportResponseSchema,
    },
    (body, c) => {
      const item = guardedItem(ctx, c, body.processor_token, { product: 'signal' });
      reportDecision(item, body.client_transaction_id, body.initiated);
      return {};
    },
  );

  plaidPost(
    router,
    {
      path: '/processor/signal/return/report',
      summary: 'Report an ACH return for a Signal-evaluated transaction',
      request: processorSignalReturnReportRequestSchema,
      response: processorSignalReturnReportResponseSchema,
    },
    (body, c) => {
      const item = guardedItem(ctx, c, body.processor_token, { product: 'signal' });
      reportReturn(item, body.client_transaction_id, body.return_code);
      return {};
    },
  );

  return router;
}
