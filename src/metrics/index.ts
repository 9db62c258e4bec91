/**
 * Operational metrics: what the gateway counts and times, as an interface the
 * instrumented code calls. The Node server implements it with prom-client
 * (./prometheus.ts) and serves it at GET /metrics (./http.ts); Workers have no
 * implementation (AppDeps.metrics is absent there, every call site is
 * `metrics?.…`).
 *
 * Every method is synchronous and cheap: it updates counters in memory and
 * never awaits, so instrumentation adds no latency to the call it measures.
 * Labels are bounded sets: route patterns (never raw paths), Plaid endpoint
 * paths of the gateway's own code, fixed outcome names.
 */

export type RequestDecision = 'allow' | 'deny' | 'error';

/**
 * How an upstream (Plaid) call ended:
 * - `ok`: a 2xx answer;
 * - `plaid_error`: a 4xx answer with Plaid's error object (passed through);
 * - `plaid_rate_limited`: Plaid's own 429;
 * - `plaid_server_error`: a 5xx answer with Plaid's error object;
 * - `timeout`, `network`, `bad_response`: the call failed (see src/upstream/errors.ts);
 * - `error`: anything else thrown by the client.
 */
export type UpstreamOutcome =
  | 'ok'
  | 'plaid_error'
  | 'plaid_rate_limited'
  | 'plaid_server_error'
  | 'timeout'
  | 'network'
  | 'bad_response'
  | 'error';

/** `timeout`: a bound ran out (ours, or the server's lock/statement timeout); `connection`: no usable connection; `query`: the statement failed. */
export type DatabaseErrorKind = 'timeout' | 'connection' | 'query';

/** `request`: an answer that became API_ERROR; `audit_append`: a record the audit writer could not append. */
export type DatabaseErrorSource = 'request' | 'audit_append';

export type WebhookDeliveryOutcome = 'delivered' | 'retry' | 'failed' | 'cancelled';

export interface GatewayMetrics {
  /** One answered request. `route` is the matched route pattern (`/admin/partners/:partner_id`). */
  request(route: string, method: string, decision: RequestDecision, status: number, seconds: number): void;
  /** One upstream call, retry included, from the first send to the parsed answer or the failure. */
  upstreamCall(endpoint: string, outcome: UpstreamOutcome, seconds: number): void;
  /** A partner call refused by the gateway's own rate limits. */
  rateLimited(scope: 'partner' | 'token', endpoint: string): void;
  /** One group-commit statement of the audit writer: how many records it carried, how long it took, whether it committed. */
  auditAppend(records: number, seconds: number, ok: boolean): void;
  /** Database failures: `count` answers or records (an audit batch fails all its records at once). */
  databaseError(source: DatabaseErrorSource, kind: DatabaseErrorKind, count?: number): void;
  /** One webhook delivery attempt, by the outcome it was settled with. */
  webhookDelivery(outcome: WebhookDeliveryOutcome): void;
  /** The whole registry in the Prometheus text exposition format. */
  scrape(): Promise<{ contentType: string; body: string }>;
}
