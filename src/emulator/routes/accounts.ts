import { errors, PlaidError } from '../../plaid/errors';
import {
  partnerEndpoint,
  processorIdentityGetRequestSchema,
  processorIdentityGetResponseSchema,
} from '../../plaid/schemas';
import { before20200914 } from '../api-version';
import { isDebitableDepository, legacyProcessorNumbers, profileAccount, profileNumbers } from '../data/profile';
import { itemError } from '../item-errors';
import { matchIdentity } from '../identity-match';
import { createEmulatorRouter, plaidPost, type EmulatorContext } from '../router';
import { guardedItem } from './guard';

/** Capital One's balance of a non-depository account is refreshed periodically, not on request; the emulator says it is an hour old. */
const CACHED_BALANCE_AGE_MS = 60 * 60 * 1000;

/** /processor/auth/get, /processor/balance/get, /processor/identity/get, /processor/identity/match. */
export function accountRoutes(ctx: EmulatorContext) {
  const router = createEmulatorRouter();

  plaidPost(
    router,
    partnerEndpoint('/processor/auth/get'),
    (body, c) => {
      const item = guardedItem(ctx, c, body.processor_token, { product: 'auth', needsHealthyItem: true });
      // "Only debitable checking and savings accounts can be used with Auth" (a user_custom account may be another type).
      if (!isDebitableDepository(item.profile)) throw itemError('NO_AUTH_ACCOUNTS');
      // The one processor answer Plaid documents as versioned (see legacyProcessorNumbers).
      const numbers = before20200914(c.get('plaidVersion'))
        ? legacyProcessorNumbers(item.profile, item.accountId)
        : profileNumbers(item.profile, item.accountId);
      return { numbers, account: profileAccount(item.profile, item.accountId, null) };
    },
  );

  plaidPost(
    router,
    partnerEndpoint('/processor/balance/get'),
    (body, c) => {
      const item = guardedItem(ctx, c, body.processor_token, { product: 'balance', needsHealthyItem: true });
      const now = ctx.clock().getTime();
      let lastUpdated: string | null = null;
      if (item.institution.nonDepositoryCached) {
        // Capital One: real-time balance for depository accounts (the option is
        // ignored), a cached one for the others, where the option is required.
        if (item.profile.account.type === 'depository') {
          lastUpdated = new Date(now).toISOString();
        } else {
          const min = body.options?.min_last_updated_datetime;
          if (!min) {
            throw errors.invalidField('options.min_last_updated_datetime is required for non-depository accounts at this institution');
          }
          const updatedAt = now - CACHED_BALANCE_AGE_MS;
          lastUpdated = new Date(updatedAt).toISOString();
          if (Date.parse(min) > updatedAt) {
            throw new PlaidError({
              type: 'INVALID_RESULT',
              code: 'LAST_UPDATED_DATETIME_OUT_OF_RANGE',
              message: `requested datetime out of range, most recently updated balance ${lastUpdated}`,
            });
          }
        }
      }
      return { account: profileAccount(item.profile, item.accountId, lastUpdated) };
    },
  );

  plaidPost(
    router,
    { path: '/processor/identity/get', summary: 'Account owner identity', request: processorIdentityGetRequestSchema, response: processorIdentityGetResponseSchema },
    (body, c) => {
      const item = guardedItem(ctx, c, body.processor_token, { product: 'identity', needsHealthyItem: true });
      return { account: { ...profileAccount(item.profile, item.accountId, null), owners: item.profile.owners } };
    },
  );

  plaidPost(
    router,
    partnerEndpoint('/processor/identity/match'),
    (body, c) => {
      const item = guardedItem(ctx, c, body.processor_token, { product: 'identity', needsHealthyItem: true });
      return { account: { ...profileAccount(item.profile, item.accountId, null), ...matchIdentity(body.user, item.profile.owners) } };
    },
  );

  return router;
}
