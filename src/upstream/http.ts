import type { Logger } from '../lib/logger';
import type { GatewayMetrics, UpstreamOutcome } from '../metrics';
import { isPlaidErrorBody } from '../plaid/errors';
import type { PlaidCredentials, PlaidUpstream, UpstreamResponse } from './client';
import { UpstreamFailure, upstreamFailures } from './errors';

/**
 * The upstream Plaid client: one POST per call, JSON in and out, the partner's
 * own Plaid keys in the PLAID-CLIENT-ID / PLAID-SECRET headers, `Plaid-Version:
 * 2020-09-14`, and a hard per-call deadline.
 *
 * It is runtime-neutral: the HTTP exchange itself is a small `UpstreamTransport`.
 * Workers (and any runtime with fetch) use `fetchTransport()`; Node uses the
 * undici pool in ./node.ts (keep-alive connection reuse, measurably faster than
 * the global fetch).
 *
 * Failure policy (see docs/partner.md, "Retries"):
 * - A connection failure *before any response* (reset, refused, socket closed,
 *   e.g. a pooled keep-alive socket the server had just closed) is retried at
 *   most once, and only for idempotent calls (`idempotent: false` - the Signal
 *   decision/return reports - is never retried: the first attempt may have
 *   reached Plaid).
 * - Everything else is not retried: timeouts (the time budget is spent), errors
 *   after the answer started, and every HTTP answer, Plaid errors included.
 * - Timeouts, connection failures, non-JSON bodies and error statuses without a
 *   Plaid error body become API_ERROR (INTERNAL_SERVER_ERROR, or
 *   PLANNED_MAINTENANCE for an HTTP 503) via UpstreamFailure.
 * - An HTTP answer carrying Plaid's error object is returned as is (status and
 *   body): Plaid's errors pass through to the partner.
 *
 * Nothing here logs bodies, tokens or keys: only the path, the failure kind and
 * an error code.
 */

export interface TransportResponse {
  status: number;
  header(name: string): string | null;
  /** Reads the whole body. Rejects if the connection fails or the signal aborts. */
  text(): Promise<string>;
}

export interface TransportRequest {
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
}

export interface UpstreamTransport {
  /** Sends the request; resolves once the status and headers arrived. */
  send(url: string, request: TransportRequest): Promise<TransportResponse>;
  close?(): Promise<void>;
}

export interface HttpUpstreamOptions {
  baseUrl: string;
  timeoutMs: number;
  /** Defaults to fetchTransport() (global fetch). */
  transport?: UpstreamTransport;
  log?: Logger;
  userAgent?: string;
  /** Times every call by endpoint and outcome (Node; absent on Workers). */
  metrics?: Pick<GatewayMetrics, 'upstreamCall'>;
}

export const PLAID_VERSION = '2020-09-14';
const DEFAULT_USER_AGENT = 'processor-partner-gateway';

/** A transport over `fetch` (Workers, browsers, Node's global fetch). Redirects are not followed. */
export function fetchTransport(fetchImpl: typeof fetch = (input, init) => fetch(input, init)): UpstreamTransport {
  return {
    async send(url, request) {
      const res = await fetchImpl(url, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        signal: request.signal,
        redirect: 'manual',
      });
      return { status: res.status, header: (name) => res.headers.get(name), text: () => res.text() };
    },
  };
}

export function createHttpUpstream(options: HttpUpstreamOptions): PlaidUpstream {
  const transport = options.transport ?? fetchTransport();
  const base = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs;
  const userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
  const metrics = options.metrics;

  return {
    async call(path, body, credentials: PlaidCredentials, callOptions = {}): Promise<UpstreamResponse> {
      const idempotent = callOptions.idempotent ?? true;
      const url = `${base}${path}`;
      const request = {
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'plaid-client-id': credentials.clientId,
          'plaid-secret': credentials.secret,
          'plaid-version': callOptions.plaidVersion ?? PLAID_VERSION,
          'user-agent': userAgent,
        },
        body: JSON.stringify(body),
      };

      // One deadline for the whole call, retry included.
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(new TimeoutSignal()), timeoutMs);
      const started = metrics ? performance.now() : 0;
      let outcome: UpstreamOutcome = 'error';
      let attempts = 0;
      try {
        for (;;) {
          attempts++;
          let res: TransportResponse;
          try {
            res = await transport.send(url, { ...request, signal: deadline.signal });
          } catch (err) {
            if (deadline.signal.aborted || isTimeoutError(err)) throw upstreamFailures.timeout(timeoutMs, attempts);
            // Nothing was answered: a second attempt is safe for reads only.
            if (idempotent && attempts < 2) {
              options.log?.info('upstream connection failed before a response; retrying once', {
                path,
                error: errorCode(err),
              });
              continue;
            }
            throw upstreamFailures.network(attempts, errorCode(err));
          }

          let text: string;
          try {
            text = await res.text();
          } catch (err) {
            if (deadline.signal.aborted || isTimeoutError(err)) throw upstreamFailures.timeout(timeoutMs, attempts);
            // The answer had started: it may have been acted on, so no retry.
            throw upstreamFailures.network(attempts, `${errorCode(err)} while reading the answer`);
          }
          const answer = interpret(res.status, text, attempts, res.header('retry-after'));
          outcome = answerOutcome(answer.status);
          return answer;
        }
      } catch (err) {
        if (err instanceof UpstreamFailure) {
          outcome = err.kind;
          options.log?.warn('upstream call failed', { path, kind: err.kind, attempts: err.attempts, status: err.upstreamStatus });
        }
        throw err;
      } finally {
        clearTimeout(timer);
        metrics?.upstreamCall(path, outcome, (performance.now() - started) / 1000);
      }
    },
    async close() {
      await transport.close?.();
    },
  };
}

/** Turns an upstream HTTP answer into an UpstreamResponse, or throws UpstreamFailure. */
function interpret(status: number, text: string, attempts: number, retryAfter: string | null): UpstreamResponse {
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  if (status >= 200 && status < 300) {
    if (!isObject) throw upstreamFailures.notJson(status, attempts);
  } else if (!isPlaidErrorBody(parsed)) {
    throw upstreamFailures.noPlaidError(status, attempts);
  }
  const body = parsed as Record<string, unknown>;
  const requestId = typeof body.request_id === 'string' ? body.request_id : null;
  return { status, body, plaidRequestId: requestId, retryAfter: status === 429 ? retryAfter : null };
}

/** The metrics outcome of an answer interpret() accepted (2xx, or an error status with Plaid's error body). */
function answerOutcome(status: number): UpstreamOutcome {
  if (status < 300) return 'ok';
  if (status === 429) return 'plaid_rate_limited';
  return status >= 500 ? 'plaid_server_error' : 'plaid_error';
}

/** The reason our deadline aborts with (distinguishable from a caller's abort). */
class TimeoutSignal extends Error {
  constructor() {
    super('upstream deadline reached');
    this.name = 'TimeoutError';
  }
}

function isTimeoutError(err: unknown): boolean {
  const code = errorCode(err);
  return (
    code === 'TimeoutError' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'ETIMEDOUT'
  );
}

/** A short, safe description of a transport error: its code (ECONNRESET, UND_ERR_SOCKET...) or name. */
function errorCode(err: unknown): string {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  if (err instanceof Error && /^[A-Za-z]{2,40}$/.test(err.name)) return err.name;
  return 'connection error';
}
