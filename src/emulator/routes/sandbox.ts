import { errors, PlaidError } from '../../plaid/errors';
import { sandboxProcessorTokenCreateRequestSchema, sandboxProcessorTokenCreateResponseSchema } from '../../plaid/schemas';
import { CUSTOM_USERNAME, customProfile, parseCustomUser } from '../custom-user';
import type { AccountProfile } from '../data/profile';
import { findInstitution } from '../institutions';
import { failsAtCreation, isItemErrorCode, ITEM_ERRORS, itemError, type ItemErrorCode } from '../item-errors';
import { createEmulatorRouter, plaidPost, type EmulatorContext } from '../router';

export const SANDBOX_USERNAME = 'user_good';
export const SANDBOX_PASSWORD = 'pass_good';

/**
 * /sandbox/processor_token/create: a new Item (user_good's Plaid Checking, or
 * the account a `user_custom` configuration describes) and a token for it,
 * usable by the calling client only.
 *
 * `error_<CODE>` passwords: the codes Plaid documents as Item-creation errors
 * fail this call at once, with that error (no token). ITEM_LOGIN_REQUIRED and
 * NO_AUTH_ACCOUNTS, which Plaid returns on existing Items, issue the token and
 * put its Item in that error, so data calls answer it. Plaid documents the
 * error passwords as "not compatible with institutions that use OAuth" (the
 * user signs in at the bank, not with these credentials); at an OAuth
 * institution the emulator refuses them with INVALID_FIELD rather than issue a
 * healthy token a test would take for the error it asked for.
 */
export function sandboxRoutes(ctx: EmulatorContext) {
  const router = createEmulatorRouter();
  plaidPost(
    router,
    {
      path: '/sandbox/processor_token/create',
      summary: 'Create a processor token for a new Sandbox Item',
      request: sandboxProcessorTokenCreateRequestSchema,
      response: sandboxProcessorTokenCreateResponseSchema,
    },
    (body, c) => {
      ctx.limiter.consume('/sandbox/processor_token/create', { client: c.get('client').clientId });
      const institution = findInstitution(body.institution_id);
      if (!institution) {
        throw new PlaidError({ type: 'INVALID_INPUT', code: 'INVALID_INSTITUTION', message: 'invalid institution_id provided' });
      }
      const username = body.options?.override_username ?? SANDBOX_USERNAME;
      const password = body.options?.override_password ?? SANDBOX_PASSWORD;
      let error: ItemErrorCode | null = null;
      let profile: AccountProfile | undefined;
      if (username === CUSTOM_USERNAME) {
        profile = customProfile(parseCustomUser(password), institution);
      } else if (username !== SANDBOX_USERNAME) {
        throw itemError('INVALID_CREDENTIALS');
      } else if (password.startsWith('error_')) {
        if (institution.oauth) {
          throw errors.invalidField(
            `override_password error_<CODE> is not compatible with institutions that use OAuth (${institution.id} ${institution.name}); use a non-OAuth Sandbox institution such as ins_109508`,
          );
        }
        const code = password.slice('error_'.length);
        if (!isItemErrorCode(code)) {
          throw errors.invalidField(
            `override_password error_${code.slice(0, 60)} is not supported by the emulator; supported: ${Object.keys(ITEM_ERRORS).join(', ')}`,
          );
        }
        if (failsAtCreation(code)) throw itemError(code);
        error = code;
      } else if (password !== SANDBOX_PASSWORD) {
        throw itemError('INVALID_CREDENTIALS');
      }
      const item = ctx.state.createItem({ clientId: c.get('client').clientId, institution, createdAt: ctx.clock(), error, profile });
      return { processor_token: item.processorToken };
    },
  );
  return router;
}
