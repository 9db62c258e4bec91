import { PlaidError } from '../plaid/errors';

/**
 * Item errors the emulator can answer, with Plaid's error_type and message for
 * each, selected with the sandbox password `error_<CODE>` (user user_good).
 *
 * The list is Plaid's documented `error_<CODE>` set (sandbox test credentials:
 * errors "you may encounter when creating an Item"), which fail
 * /sandbox/processor_token/create itself, plus ITEM_LOGIN_REQUIRED and
 * NO_AUTH_ACCOUNTS, which Plaid returns on Items that already exist: for those
 * two the token is issued and every data call on it answers the error.
 *
 * error_message and display_message are those of Plaid's documented example
 * body for each code (display_message null where the example has null, the
 * user-facing text where it has one). COUNTRY_NOT_SUPPORTED and
 * PAYMENT_INVALID_RECIPIENT have no documented example.
 */
export const ITEM_ERRORS = {
  COUNTRY_NOT_SUPPORTED: { type: 'ITEM_ERROR', message: 'this country is not currently supported', display: null },
  INSTITUTION_DOWN: {
    type: 'INSTITUTION_ERROR',
    message: 'this institution is not currently responding to this request. please try again soon',
    display: 'This financial institution is not currently responding to requests. We apologize for the inconvenience.',
  },
  INSTITUTION_NOT_RESPONDING: {
    type: 'INSTITUTION_ERROR',
    message: 'this institution is not currently responding to this request. please try again soon',
    display: 'This financial institution is not currently responding to requests. We apologize for the inconvenience.',
  },
  INSTITUTION_NO_LONGER_SUPPORTED: {
    type: 'INSTITUTION_ERROR',
    message: 'this institution is no longer supported',
    display: 'This financial institution is no longer supported. We apologize for the inconvenience.',
  },
  // The documented example's display_message is literally the code.
  INSUFFICIENT_CREDENTIALS: { type: 'ITEM_ERROR', message: 'insufficient authorization was provided to complete the request', display: 'INSUFFICIENT_CREDENTIALS' },
  INTERNAL_SERVER_ERROR: { type: 'API_ERROR', message: 'an unexpected error occurred', display: null },
  INVALID_CREDENTIALS: {
    type: 'ITEM_ERROR',
    message: 'the provided credentials were not correct',
    display: 'The provided credentials were not correct. Please try again.',
  },
  INVALID_MFA: {
    type: 'ITEM_ERROR',
    message: 'the provided MFA response(s) were not correct',
    display: 'The provided MFA responses were not correct. Please try again.',
  },
  INVALID_SEND_METHOD: { type: 'ITEM_ERROR', message: 'the provided MFA send_method was invalid', display: null },
  ITEM_LOCKED: {
    type: 'ITEM_ERROR',
    message: "the account is locked. prompt the user to visit the institution's site and unlock their account",
    display: "The given account has been locked by the financial institution. Please visit your financial institution's website to unlock your account.",
  },
  // Documented with display_message null: the partner, not the end user, acts (sends the user through update mode).
  ITEM_LOGIN_REQUIRED: {
    type: 'ITEM_ERROR',
    message:
      "the login details of this item have changed (credentials, MFA, or required user action) and a user login is required to update this information. use Link's update mode to restore the item to a good state",
    display: null,
  },
  ITEM_NOT_SUPPORTED: {
    type: 'ITEM_ERROR',
    message: 'this account is currently not supported',
    display: 'The given account is not currently supported for this financial institution. We apologize for the inconvenience.',
  },
  MFA_NOT_SUPPORTED: {
    type: 'ITEM_ERROR',
    message: 'this account requires a MFA type that we do not currently support for the institution',
    display:
      'The multi-factor security features enabled on this account are not currently supported for this financial institution. We apologize for the inconvenience.',
  },
  NO_ACCOUNTS: {
    type: 'ITEM_ERROR',
    message: 'no valid accounts were found for this item',
    display: "No valid accounts were found at the financial institution. Please visit your financial institution's website to confirm accounts are available.",
  },
  NO_AUTH_ACCOUNTS: {
    type: 'ITEM_ERROR',
    message: 'There are no valid checking or savings account(s) associated with this Item. See https://plaid.com/docs/api/#item-errors for more.',
    display: null,
  },
  PAYMENT_INVALID_RECIPIENT: { type: 'PAYMENT_ERROR', message: 'the payment recipient is invalid', display: null },
  // Documented with an empty error_message.
  PRODUCTS_NOT_SUPPORTED: { type: 'ITEM_ERROR', message: '', display: null },
  USER_INPUT_TIMEOUT: { type: 'ITEM_ERROR', message: 'user must retry this operation', display: 'The application timed out waiting for user input' },
  USER_SETUP_REQUIRED: {
    type: 'ITEM_ERROR',
    message: "the account has not been fully set up. prompt the user to visit the issuing institution's site and finish the setup process",
    display: "The given account is not fully setup. Please visit your financial institution's website to setup your account.",
  },
} as const satisfies Record<string, { type: string; message: string; display: string | null }>;

export type ItemErrorCode = keyof typeof ITEM_ERRORS;

export function isItemErrorCode(code: string): code is ItemErrorCode {
  return Object.hasOwn(ITEM_ERRORS, code);
}

/** Codes outside Plaid's documented `error_<CODE>` list: they surface on data calls, not at creation. */
const SURFACE_LATER: ReadonlySet<ItemErrorCode> = new Set<ItemErrorCode>(['ITEM_LOGIN_REQUIRED', 'NO_AUTH_ACCOUNTS']);

/** Whether `error_<code>` fails Item creation (Plaid's documented list) rather than a later data call. */
export function failsAtCreation(code: ItemErrorCode): boolean {
  return !SURFACE_LATER.has(code);
}

export function itemError(code: ItemErrorCode): PlaidError {
  const { type, message, display } = ITEM_ERRORS[code];
  return new PlaidError({ type, code, message, displayMessage: display });
}
