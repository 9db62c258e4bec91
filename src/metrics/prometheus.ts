/**
 * The Node server's metrics: a prom-client registry of its own (never the
 * library's global one, so two apps in one process, as in tests, keep separate
 * counts) holding the gateway's metrics and, unless turned off, prom-client's
 * standard process and Node.js runtime metrics (CPU, memory, event loop lag,
 * GC). Node only: the Worker bundle never imports this file.
 *
 * Exported (all names prefixed `gateway_` except the process/runtime ones):
 *
 *   gateway_http_requests_total{route,method,decision,status}     counter
 *   gateway_http_request_duration_seconds{route,method}           histogram
 *   gateway_upstream_request_duration_seconds{endpoint,outcome}   histogram (its _count counts calls)
 *   gateway_rate_limited_total{scope,endpoint}                    counter
 *   gateway_audit_append_duration_seconds{outcome}                histogram (per statement)
 *   gateway_audit_batch_size_records                              histogram (records per statement)
 *   gateway_database_errors_total{source,kind}                    counter
 *   gateway_webhook_deliveries_total{outcome}                     counter
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type {
  DatabaseErrorKind,
  DatabaseErrorSource,
  GatewayMetrics,
  RequestDecision,
  UpstreamOutcome,
  WebhookDeliveryOutcome,
} from './index';

export interface PrometheusMetricsOptions {
  /** prom-client's process and Node.js runtime metrics (default true). */
  processMetrics?: boolean;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const UPSTREAM_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30];
const AUDIT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const BATCH_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500];

export function createPrometheusMetrics(options: PrometheusMetricsOptions = {}): GatewayMetrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: 'gateway_http_requests_total',
    help: 'Requests answered, by matched route pattern, method, audit decision (allow, deny, error) and HTTP status.',
    labelNames: ['route', 'method', 'decision', 'status'] as const,
    registers: [registry],
  });
  const requestDuration = new Histogram({
    name: 'gateway_http_request_duration_seconds',
    help: 'Time from the request reaching the gateway to its response being ready (audit record committed), by route pattern and method.',
    labelNames: ['route', 'method'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const upstreamDuration = new Histogram({
    name: 'gateway_upstream_request_duration_seconds',
    help: 'Upstream Plaid calls (retry included), by Plaid endpoint and outcome (ok, plaid_error, plaid_rate_limited, plaid_server_error, timeout, network, bad_response, error).',
    labelNames: ['endpoint', 'outcome'] as const,
    buckets: UPSTREAM_BUCKETS,
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'gateway_rate_limited_total',
    help: "Partner calls refused by the gateway's rate limits, by the scope that refused (partner or token) and endpoint.",
    labelNames: ['scope', 'endpoint'] as const,
    registers: [registry],
  });
  const auditDuration = new Histogram({
    name: 'gateway_audit_append_duration_seconds',
    help: "Audit writer statements (one per group-commit batch), by outcome (ok, error).",
    labelNames: ['outcome'] as const,
    buckets: AUDIT_BUCKETS,
    registers: [registry],
  });
  const auditBatch = new Histogram({
    name: 'gateway_audit_batch_size_records',
    help: 'Records carried by each audit writer statement (group commit).',
    buckets: BATCH_BUCKETS,
    registers: [registry],
  });
  const databaseErrors = new Counter({
    name: 'gateway_database_errors_total',
    help: 'Database failures: answers turned into API_ERROR (source=request) and audit records that could not be appended (source=audit_append), by kind (timeout, connection, query).',
    labelNames: ['source', 'kind'] as const,
    registers: [registry],
  });
  const webhookDeliveries = new Counter({
    name: 'gateway_webhook_deliveries_total',
    help: 'Webhook delivery attempts, by outcome (delivered, retry, failed, cancelled).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });

  return {
    request(route: string, method: string, decision: RequestDecision, status: number, seconds: number) {
      requests.inc({ route, method, decision, status });
      requestDuration.observe({ route, method }, seconds);
    },
    upstreamCall(endpoint: string, outcome: UpstreamOutcome, seconds: number) {
      upstreamDuration.observe({ endpoint, outcome }, seconds);
    },
    rateLimited(scope: 'partner' | 'token', endpoint: string) {
      rateLimited.inc({ scope, endpoint });
    },
    auditAppend(records: number, seconds: number, ok: boolean) {
      auditDuration.observe({ outcome: ok ? 'ok' : 'error' }, seconds);
      auditBatch.observe(records);
    },
    databaseError(source: DatabaseErrorSource, kind: DatabaseErrorKind, count = 1) {
      databaseErrors.inc({ source, kind }, count);
    },
    webhookDelivery(outcome: WebhookDeliveryOutcome) {
      webhookDeliveries.inc({ outcome });
    },
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
