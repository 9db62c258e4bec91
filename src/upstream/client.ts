/** Credentials the gateway uses upstream: the partner's own Plaid keys. */
export interface PlaidCredentials {
  clientId: string;
  secret: string;
}

/** Plaid's answer, as received (body parsed), plus what the audit trail needs. */
export interface UpstreamResponse {
  status: number;
  body: Record<string, unknown>;
  plaidRequestId: string | null;
  /** Plaid's Retry-After header on a 429, passed on to the partner. */
  retryAfter?: string | null;
}

/**
 * Calls Plaid (or the emulator). Implementations: src/upstream/http.ts.
 * `idempotent: false` forbids retries (signal reports).
 */
export interface PlaidUpstream {
  call(
    path: string,
    body: Record<string, unknown>,
    credentials: PlaidCredentials,
    options?: {
      idempotent?: boolean;
      /** The caller's Plaid-Version, passed on unchanged (default: the version the gateway is built against). */
      plaidVersion?: string;
    },
  ): Promise<UpstreamResponse>;
  close?(): Promise<void>;
}
