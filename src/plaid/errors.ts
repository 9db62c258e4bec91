/**
 * Plaid's error model, in one place.
 *
 * Every error body this service (gateway and emulator alike) answers is Plaid's
 * error object. Routes throw `PlaidError`; the app's error handler turns it into
 * the JSON body and HTTP status. Plaid answers 400 for almost everything, 429 for
 * RATE_LIMIT_EXCEEDED and 500/503 for API_ERROR (Plaid's error reference).
 */
export type PlaidErrorType =
  | 'INVALID_REQUEST'
  | 'INVALID_INPUT'
  | 'INVALID_RESULT'
  | 'RATE_LIMIT_EXCEEDED'
  | 'API_ERROR'
  | 'ITEM_ERROR'
  | 'INSTITUTION_ERROR'
  | 'TRANSACTIONS_ERROR'
  | 'SANDBOX_ERROR';

export interface PlaidErrorBody {
  error_type: PlaidErrorType | string;
  error_code: string;
  error_message: string;
  display_message: string | null;
  request_id: string;
  causes?: unknown[];
  status?: number | null;
  documentation_url?: string;
  suggested_action?: string | null;
}

export interface PlaidErrorInit {
  type: PlaidErrorType | string;
  code: string;
  message: string;
  status?: number;
  displayMessage?: string | null;
  suggestedAction?: string | null;
  /** Extra response headers (Retry-After, RateLimit...). */
  headers?: Record<string, string>;
}

const DOCS = 'https://plaid.com/docs/errors/';

export class PlaidError extends Error {
  readonly type: string;
  readonly code: string;
  readonly status: number;
  readonly displayMessage: string | null;
  readonly suggestedAction: string | null;
  readonly headers: Record<string, string>;

  constructor(init: PlaidErrorInit) {
    super(init.message);
    this.name = 'PlaidError';
    this.type = init.type;
    this.code = init.code;
    this.status = init.status ?? statusFor(init.type, init.code);
    this.displayMessage = init.displayMessage ?? null;
    this.suggestedAction = init.suggestedAction ?? null;
    this.headers = init.headers ?? {};
  }

  toBody(requestId: string): PlaidErrorBody {
    return {
      error_type: this.type,
      error_code: this.code,
      error_message: this.message,
      display_message: this.displayMessage,
      request_id: requestId,
      causes: [],
      status: this.status,
      documentation_url: `${DOCS}${docsSection(this.type)}/#${this.code.toLowerCase().replace(/_/g, '-')}`,
      suggested_action: this.suggestedAction,
    };
  }

  /** A whole response, for code that replaces an answer already built (its headers included). */
  toResponse(requestId: string): Response {
    return new Response(JSON.stringify(this.toBody(requestId)), {
      status: this.status,
      headers: { ...this.headers, 'content-type': 'application/json; charset=UTF-8', 'x-request-id': requestId },
    });
  }
}

/**
 * Plaid's HTTP status for an error type/code. Plaid's error reference gives 400
 * for every INVALID_REQUEST code, NOT_FOUND included.
 */
export function statusFor(type: string, code: string): number {
  if (type === 'RATE_LIMIT_EXCEEDED') return 429;
  if (type === 'API_ERROR') return code === 'PLANNED_MAINTENANCE' ? 503 : 500;
  return 400;
}

function docsSection(type: string): string {
  return type.toLowerCase().replace(/_/g, '-');
}

/** Constructors for the errors every route needs. Keep messages free of secrets and input values. */
export const errors = {
  invalidBody: (message = 'body could not be parsed as JSON') =>
    new PlaidError({ type: 'INVALID_REQUEST', code: 'INVALID_BODY', message }),
  bodyTooLarge: (limit: number) =>
    new PlaidError({
      type: 'INVALID_REQUEST',
      code: 'INVALID_BODY',
      message: `request body exceeds the maximum size of ${limit} bytes`,
      status: 413,
    }),
  invalidHeaders: (message: string) =>
    new PlaidError({ type: 'INVALID_REQUEST', code: 'INVALID_HEADERS', message }),
  missingFields: (fields: string[]) =>
    new PlaidError({
      type: 'INVALID_REQUEST',
      code: 'MISSING_FIELDS',
      message: `the following required fields are missing: ${fields.join(', ')}`,
    }),
  unknownFields: (fields: string[]) =>
    new PlaidError({
      type: 'INVALID_REQUEST',
      code: 'UNKNOWN_FIELDS',
      message: `the following fields are not recognized by this endpoint: ${fields.join(', ')}`,
    }),
  /** The gateway is at a capacity limit for a moment: retry (503, with Retry-After). */
  busy: (message: string) =>
    new PlaidError({
      type: 'API_ERROR',
      code: 'INTERNAL_SERVER_ERROR',
      message,
      status: 503,
      suggestedAction: 'Retry the request in a few seconds.',
      headers: { 'retry-after': '1' },
    }),
  /** A guard of the gateway's own refused (failed logins, full audit walks): 429 with Retry-After. */
  tooManyRequests: (message: string, retryAfterSeconds: number) =>
    new PlaidError({
      type: 'RATE_LIMIT_EXCEEDED',
      code: 'RATE_LIMIT',
      message,
      status: 429,
      headers: { 'retry-after': String(retryAfterSeconds) },
    }),
  /** A webhook that did not verify (every reason answers the same; the audit record says which). */
  webhookRefused: () =>
    new PlaidError({
      type: 'INVALID_REQUEST',
      code: 'WEBHOOK_VERIFICATION_FAILED',
      message: 'the webhook could not be verified',
      status: 401,
    }),
  invalidField: (message: string) => new PlaidError({ type: 'INVALID_REQUEST', code: 'INVALID_FIELD', message }),
  notFound: () => new PlaidError({ type: 'INVALID_REQUEST', code: 'NOT_FOUND', message: 'not found' }),
  invalidApiKeys: () =>
    new PlaidError({
      type: 'INVALID_INPUT',
      code: 'INVALID_API_KEYS',
      message: 'invalid client_id or secret provided',
    }),
  invalidProcessorToken: () =>
    new PlaidError({
      type: 'INVALID_INPUT',
      code: 'INVALID_PROCESSOR_TOKEN',
      message: 'provided processor token is in an invalid format, does not exist, or is not usable by this client',
    }),
  invalidProduct: (message = 'products must either be null or a list of strings containing at least one valid product') =>
    new PlaidError({ type: 'INVALID_INPUT', code: 'INVALID_PRODUCT', message }),
  internal: (message = 'an unexpected error occurred') =>
    new PlaidError({ type: 'API_ERROR', code: 'INTERNAL_SERVER_ERROR', message, status: 500 }),
} as const;

export function isPlaidErrorBody(value: unknown): value is PlaidErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as PlaidErrorBody).error_type === 'string' &&
    typeof (value as PlaidErrorBody).error_code === 'string'
  );
}
