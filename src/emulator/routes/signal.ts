import { partnerEndpoint } from '../../plaid/schemas';
import { applyRuleset, checkClientUserId, checkSignalEligibility, coreAttributes, evaluate, reportDecision, reportReturn, signalWarnings } from '../signal';
import { createEmulatorRouter, plaidPost, type EmulatorContext } from '../router';
import { ensureLog } from '../transactions';
import { guardedItem } from './guard';

/** /processor/signal/evaluate, /decision/report, /return/report. */
export function signalRoutes(ctx: EmulatorContext) {
  const router = createEmulatorRouter();

  plaidPost(
    router,
    partnerEndpoint('/processor/signal/evaluate'),
    (body, c) => {
      const item = guardedItem(ctx, c, body.processor_token, {
        product: 'signal',
        // An Item in error does not fail Signal: its scores come without bank data, with a warning.
        needsHealthyItem: false,
        transactionKey: body.client_transaction_id,
      });
      checkClientUserId(body.client_user_id);
      checkSignalEligibility(item);
      const now = ctx.clock().getTime();
      const evaluation = evaluate(item, body.client_transaction_id, body.amount, now);
      const warnings = signalWarnings(item);
      const customer = evaluation.scores.customer_initiated_return_risk?.score ?? 1;
      return {
        scores: evaluation.scores,
        // Core attributes are computed from bank data; without it there are none.
        ...(warnings.length === 0
          ? { core_attributes: coreAttributes(item, ensureLog(item).flatMap((e) => (e.kind === 'added' ? [e.tx] : [])), now) }
          : {}),
        ...(body.ruleset_key ? { ruleset: applyRuleset(body.ruleset_key, customer) } : {}),
        warnings,
      };
    },
  );

  plaidPost(
    router,
    partnerEndpoint('/processor/signal/decision/report'),
    (body, c) => {
      const item = guardedItem(ctx, c, body.processor_token, { product: 'signal' });
      reportDecision(item, body.client_transaction_id, body.initiated);
      return {};
    },
  );

  plaidPost(
    router,
    partnerEndpoint('/processor/signal/return/report'),
    (body, c) => {
      const item = guardedItem(ctx, c, body.processor_token, { product: 'signal' });
      reportReturn(item, body.client_transaction_id, body.return_code);
      return {};
    },
  );

  return router;
}
