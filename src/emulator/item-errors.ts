import { PlaidError } from '../plaid/errors';

/**
 * Item errors the emulator can put an Item into, with Plaid's error_type and
 * message for each. A sandbox token created with password `error_<CODE>` (user
 * user_good) gets an Item in that state: the token is issued, and every data
 * call on it answers the error (Plaid itself fails Item creation; a processor
 * token has no Link step to fail in, so the emulator moves the failure to the
 * first data call, which is where a partner would meet it).
 *
 * The list is Plaid's documented `error_<CODE>` set (sandbox test credentials)
 * plus ITEM_LOGIN_REQUIRED and NO_AUTH_ACCOUNTS, which partners must handle.
 */
export const ITEM_ERRORS = {
  COUNTRY_NOT_SUPPORTED: { type: 'ITEM_ERROR', message: 'this country is not currently supported' },
  INSTITUTION_DOWN: { type: 'INSTITUTION_ERROR', message: 'this institution is not currently responding to this request. please try again soon' },
  INSTITUTION_NOT_RESPONDING: { type: 'INSTITUTION_ERROR', message: 'this institution is not currently responding to this request. please try again soon' },
  INSTITUTION_NO_LONGER_SUPPORTED: { type: 'INSTITUTION_ERROR', message: 'this institution is no longer supported' },
  INSUFFICIENT_CREDENTIALS: { type: 'ITEM_ERROR', message: 'insufficient authorization was provided to complete the request' },
  INTERNAL_SERVER_ERROR: { type: 'API_ERROR', message: 'an unexpected error occurred' },
  INVALID_CREDENTIALS: { type: 'ITEM_ERROR', message: 'the provided credentials were not correct' },
  INVALID_MFA: { type: 'ITEM_ERROR', message: 'the provided MFA response(s) were not correct' },
  INVALID_SEND_METHOD: { type: 'ITEM_ERROR', message: 'the provided MFA send_method was invalid' },
  ITEM_LOCKED: { type: 'ITEM_ERROR', message: 'the account is locked. prompt the user to visit the institution site and unlock their account' },
  ITEM_LOGIN_REQUIRED: {
    type: 'ITEM_ERROR',
    message:
      'the login details of this item have changed (credentials, MFA, or required user action) and a user login is required to update this information. use Link\'s update mode to restore the item to a good state',
  },
  ITEM_NOT_SUPPORTED: { type: 'ITEM_ERROR', message: 'this account is currently not supported' },
  MFA_NOT_SUPPORTED: { type: 'ITEM_ERROR', message: 'this account requires a MFA type that is not currently supported' },
  NO_ACCOUNTS: { type: 'ITEM_ERROR', message: 'no valid accounts were found for this item' },
  NO_AUTH_ACCOUNTS: { type: 'ITEM_ERROR', message: 'There are no valid checking or savings account(s) associated with this Item.' },
  PAYMENT_INVALID_RECIPIENT: { type: 'PAYMENT_ERROR', message: 'the payment recipient is invalid' },
  PRODUCTS_NOT_SUPPORTED: { type: 'ITEM_ERROR', message: '' },
  USER_INPUT_TIMEOUT: { type: 'ITEM_ERROR', message: 'user must retry this operation' },
  USER_SETUP_REQUIRED: { type: 'ITEM_ERROR', message: 'the account has not been fully set up. prompt the user to visit the issuing institution\'s site and finish the setup process' },
} as const;

export type ItemErrorCode = keyof typeof ITEM_ERRORS;

export function isItemErrorCode(code: string): code is ItemErrorCode {
  return Object.hasOwn(ITEM_ERRORS, code);
}

export function itemError(code: ItemErrorCode): PlaidError {
  const { type, message } = ITEM_ERRORS[code];
  return new PlaidError({
    type,
    code,
    message: message || 'the requested products are not supported by this item',
    displayMessage: code === 'ITEM_LOGIN_REQUIRED' ? 'Your login details have changed. Please log in again.' : null,
  });
}
