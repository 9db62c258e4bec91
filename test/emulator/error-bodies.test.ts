import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ITEM_ERRORS, type ItemErrorCode } from '../../src/emulator/item-errors';
import { expectSdkError } from '../support/sdk';
import { startEmulatorHarness, type Harness } from './harness';

/** Plaid's documented example bodies (error_type, error_message, display_message) for the Item errors a token can be put into. */
const DOCUMENTED: Partial<Record<ItemErrorCode, { error_type: string; error_message: string; display_message: string | null }>> = {
  ITEM_LOGIN_REQUIRED: {
    error_type: 'ITEM_ERROR',
    error_message:
      "the login details of this item have changed (credentials, MFA, or required user action) and a user login is required to update this information. use Link's update mode to restore the item to a good state",
    display_message: null,
  },
  ITEM_LOCKED: {
    error_type: 'ITEM_ERROR',
    error_message: "the account is locked. prompt the user to visit the institution's site and unlock their account",
    display_message: "The given account has been locked by the financial institution. Please visit your financial institution's website to unlock your account.",
  },
  INVALID_CREDENTIALS: {
    error_type: 'ITEM_ERROR',
    error_message: 'the provided credentials were not correct',
    display_message: 'The provided credentials were not correct. Please try again.',
  },
  INSUFFICIENT_CREDENTIALS: {
    error_type: 'ITEM_ERROR',
    error_message: 'insufficient authorization was provided to complete the request',
    display_message: 'INSUFFICIENT_CREDENTIALS',
  },
  NO_ACCOUNTS: {
    error_type: 'ITEM_ERROR',
    error_message: 'no valid accounts were found for this item',
    display_message: "No valid accounts were found at the financial institution. Please visit your financial institution's website to confirm accounts are available.",
  },
  USER_SETUP_REQUIRED: {
    error_type: 'ITEM_ERROR',
    error_message: "the account has not been fully set up. prompt the user to visit the issuing institution's site and finish the setup process",
    display_message: "The given account is not fully setup. Please visit your financial institution's website to setup your account.",
  },
  MFA_NOT_SUPPORTED: {
    error_type: 'ITEM_ERROR',
    error_message: 'this account requires a MFA type that we do not currently support for the institution',
    display_message:
      'The multi-factor security features enabled on this account are not currently supported for this financial institution. We apologize for the inconvenience.',
  },
  INSTITUTION_DOWN: {
    error_type: 'INSTITUTION_ERROR',
    error_message: 'this institution is not currently responding to this request. please try again soon',
    display_message: 'This financial institution is not currently responding to requests. We apologize for the inconvenience.',
  },
  PRODUCTS_NOT_SUPPORTED: { error_type: 'ITEM_ERROR', error_message: '', display_message: null },
};

let h: Harness;
beforeAll(async () => {
  h = await startEmulatorHarness({ rateLimits: false });
});
afterAll(() => h.close());

describe('Item error bodies as documented', () => {
  it('the emulator table agrees with every documented example', () => {
    for (const [code, doc] of Object.entries(DOCUMENTED)) {
      const entry = ITEM_ERRORS[code as ItemErrorCode];
      expect({ error_type: entry.type, error_message: entry.message, display_message: entry.display }, code).toEqual(doc);
    }
  });

  it('ITEM_LOGIN_REQUIRED after reset_login: display_message null', async () => {
    const token = await h.newToken();
    await h.post('/sandbox/processor_token/reset_login', { processor_token: token });
    const { body: err } = await expectSdkError(h.plaid.processorAuthGet({ processor_token: token }), { status: 400, error_code: 'ITEM_LOGIN_REQUIRED' });
    expect(err).toMatchObject(DOCUMENTED.ITEM_LOGIN_REQUIRED!);
  });

  it.each(['ITEM_LOCKED', 'INVALID_CREDENTIALS', 'USER_SETUP_REQUIRED', 'NO_ACCOUNTS'] as const)(
    'error_%s: creation fails with the documented body, user-facing text included',
    async (code) => {
      const { body: err } = await expectSdkError(h.newToken({ password: `error_${code}` }), { status: 400, error_code: code });
      expect(err).toMatchObject(DOCUMENTED[code]!);
    },
  );

  it('an institution that is down answers the documented INSTITUTION_DOWN body', async () => {
    const token = await h.newToken({ institution_id: 'ins_132361' });
    const { body: err } = await expectSdkError(h.plaid.processorAuthGet({ processor_token: token }), { status: 400, error_code: 'INSTITUTION_DOWN' });
    expect(err).toMatchObject(DOCUMENTED.INSTITUTION_DOWN!);
  });
});
