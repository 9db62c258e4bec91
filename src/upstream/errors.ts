import { PlaidError } from '../plaid/errors';

/**
 * Failures of the upstream call itself (not errors Plaid answered): the gateway
 * reports them to the partner as Plaid's API_ERROR, and the partner pipeline
 * records `kind` in the audit record's reason (`upstream_<kind>`).
 *
 * Messages describe what went wrong upstream and never contain request data,
 * tokens, keys or the upstream body.
 */
export type UpstreamFailureKind =
  /** No complete answer within the per-call timeout. */
  | 'timeout'
  /** The connection failed (refused, reset, closed) before or while the answer was read. */
  | 'network'
  /** An answer that is not Plaid's: not JSON, not an object, or an error status without a Plaid error body. */
  | 'bad_response';

export class UpstreamFailure extends PlaidError {
  readonly kind: UpstreamFailureKind;
  /** How many attempts were made (2 when a read was retried once). */
  readonly attempts: number;
  /** Upstream HTTP status, when an answer arrived. */
  readonly upstreamStatus: number | null;

  constructor(init: {
    kind: UpstreamFailureKind;
    message: string;
    attempts: number;
    upstreamStatus?: number | null;
    maintenance?: boolean;
  }) {
    super({
      type: 'API_ERROR',
      code: init.maintenance ? 'PLANNED_MAINTENANCE' : 'INTERNAL_SERVER_ERROR',
      message: init.message,
      status: init.maintenance ? 503 : 500,
      displayMessage: null,
      suggestedAction: init.maintenance
        ? 'Plaid is temporarily unavailable; retry later with backoff.'
        : 'Retry the request later; if the problem persists, contact the gateway operator.',
    });
    this.name = 'UpstreamFailure';
    this.kind = init.kind;
    this.attempts = init.attempts;
    this.upstreamStatus = init.upstreamStatus ?? null;
  }
}

export const upstreamFailures = {
  timeout: (timeoutMs: number, attempts: number) =>
    new UpstreamFailure({
      kind: 'timeout',
      message: `the upstream Plaid API did not answer within ${timeoutMs} ms`,
      attempts,
    }),
  network: (attempts: number, detail: string) =>
    new UpstreamFailure({
      kind: 'network',
      message: `the connection to the upstream Plaid API failed (${detail})`,
      attempts,
    }),
  notJson: (status: number, attempts: number) =>
    new UpstreamFailure({
      kind: 'bad_response',
      message: `the upstream Plaid API answered HTTP ${status} with a body that is not a JSON object`,
      attempts,
      upstreamStatus: status,
      maintenance: status === 503,
    }),
  noPlaidError: (status: number, attempts: number) =>
    new UpstreamFailure({
      kind: 'bad_response',
      message: `the upstream Plaid API answered HTTP ${status} without a Plaid error body`,
      attempts,
      upstreamStatus: status,
      maintenance: status === 503,
    }),
};
