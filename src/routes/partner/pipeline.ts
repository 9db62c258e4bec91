import { createRoute, z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import type { ZodError } from 'zod';
import { authenticateClient, authenticated, authenticationFailed, plaidCredentials, requirePartnerCredentials } from '../../auth/credentials';
import { prepareRecord } from '../../audit/postgres-writer';
import { buildRecord } from '../../audit/middleware';
import type { AppEnv } from '../../context';
import type { AppRouter } from '../../lib/create-router';
import { PlaidError, errors } from '../../plaid/errors';
import { plaidErrorSchema, type PartnerEndpoint } from '../../plaid/schemas';
import { plaidErrorFromZod } from '../../plaid/validation';
import { type Admission, type DenialReason, unsealForCall } from '../../tenancy/admission';
import { rateLimitError } from '../../ratelimit/errors';
import { UpstreamFailure } from '../../upstream/errors';

/**
 * The partner pipeline, shared by the seven /processor/* endpoints:
 *
 *   requirePartnerCredentials()       gateway keys present (headers or body)
 *   -> partnerCall()                  audit draft: action, product, fields present (names only)
 *   -> zod validation                 Plaid's INVALID_REQUEST errors (shared schemas, strict);
 *                                     on failure the keys are checked first (INVALID_API_KEYS wins)
 *   -> admissions.admit()             ONE statement: keys, token owned by this partner, not
 *                                     revoked, product allowed, per-token and per-partner limits,
 *                                     and the audit intent of an allowed call
 *   -> unsealForCall()                raw Plaid token + the partner's Plaid keys, for this call only
 *   -> upstream.call()                the partner's body with the raw token, without gateway keys
 *   -> Plaid's answer, as is, with the gateway's request_id
 *
 * Every step records its outcome on c.get('audit'); the audit middleware commits
 * the outcome record (the second and last statement, which also releases the
 * intent) before the response leaves.
 */

/** One row of the partner endpoint table (src/plaid/schemas/endpoints.ts). */
export type PartnerEndpointSpec = PartnerEndpoint;

/** Upper bound on recorded field names (unknown fields are named by the caller). */
const MAX_FIELD_NAMES = 40;
const FIELD_NAME = /^[A-Za-z0-9_]{1,64}$/;
/** Objects whose own field names are recorded as `parent.child`. */
const NESTED_FIELD_PARENTS = new Set(['user', 'options', 'device']);

/**
 * Names of the fields present (non-null) in a request body: top-level names and
 * one level inside `user`, `options` and `device`. Never values.
 */
export function fieldsPresent(body: unknown): string[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return [];
  const names: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (value === null || value === undefined || !FIELD_NAME.test(key)) continue;
    names.push(key);
    if (NESTED_FIELD_PARENTS.has(key) && typeof value === 'object' && !Array.isArray(value)) {
      for (const [child, childValue] of Object.entries(value as Record<string, unknown>)) {
        if (childValue === null || childValue === undefined || !FIELD_NAME.test(child)) continue;
        names.push(`${key}.${child}`);
      }
    }
  }
  return names.sort().slice(0, MAX_FIELD_NAMES);
}

/** Opens the audit draft of a partner call (runs right after authentication, before validation). */
function partnerCall(spec: PartnerEndpointSpec): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const audit = c.get('audit');
    audit.action = 'partner.call';
    audit.product = spec.product;
    const body = await (c.req.bodyCache.json ?? Promise.resolve(undefined));
    audit.details = { ...audit.details, fields_present: fieldsPresent(body) };
    return next();
  };
}

/**
 * What a denied partner sees. Every token-related reason answers the same
 * INVALID_PROCESSOR_TOKEN (nothing tells an unknown token from another partner's
 * or a revoked one). A product outside the permission set or the partner's cap
 * answers INVALID_PRODUCT (docs/partner.md, "Errors").
 */
export function denialError(reason: DenialReason, spec: PartnerEndpointSpec): PlaidError {
  switch (reason) {
    case 'product_not_in_token_permissions':
      return errors.invalidProduct(
        `the permissions of this processor token do not include the ${spec.product} product required by ${spec.path}; ask the fintech that issued the token to grant it`,
      );
    case 'product_not_in_partner_cap':
      return errors.invalidProduct(
        `this client is not enabled for the ${spec.product} product required by ${spec.path}; contact the gateway operator`,
      );
    case 'token_malformed':
    case 'token_unknown':
    case 'token_other_partner':
    case 'token_revoked':
      return errors.invalidProcessorToken();
  }
}

/** Plaid versions are dates (`2020-09-14`); anything else is not passed on. */
const PLAID_VERSION = /^\d{4}-\d{2}-\d{2}$/;

/** The partner's Plaid-Version header, passed upstream unchanged when it is a version. */
function plaidVersionOf(c: Context<AppEnv>): string | undefined {
  const version = c.req.header('plaid-version')?.trim();
  return version && PLAID_VERSION.test(version) ? version : undefined;
}

/** The pipeline after validation: admit, unseal, call Plaid, answer. */
export async function handlePartnerCall(
  c: Context<AppEnv>,
  spec: PartnerEndpointSpec,
  body: Record<string, unknown>,
): Promise<Response> {
  const deps = c.get('deps');
  const audit = c.get('audit');
  const admitted = await admit(c, spec, body);

  let secrets: Awaited<ReturnType<typeof unsealForCall>>;
  try {
    secrets = await unsealForCall(deps.keyring, admitted);
  } catch (err) {
    audit.decision = 'error';
    audit.reason = 'unseal_failed';
    deps.log.error('could not unseal token material', {
      request_id: c.get('requestId'),
      token_id: admitted.tokenId,
      error: err instanceof Error ? err.name : 'unknown',
    });
    throw errors.internal('the processor token could not be prepared for the call; contact the gateway operator');
  }

  // The partner's body, minus the gateway keys it may carry, with the raw token.
  const { client_id: _clientId, secret: _secret, ...rest } = body;
  const upstreamBody = { ...rest, processor_token: secrets.rawToken };

  let upstream;
  try {
    upstream = await deps.upstream.call(
      spec.path,
      upstreamBody,
      { clientId: secrets.plaidClientId, secret: secrets.plaidSecret },
      { idempotent: spec.idempotent, plaidVersion: plaidVersionOf(c) },
    );
  } catch (err) {
    audit.decision = 'error';
    if (err instanceof UpstreamFailure) {
      audit.reason = `upstream_${err.kind}`;
      audit.plaidStatus = err.upstreamStatus;
      throw err;
    }
    audit.reason = 'upstream_error';
    if (err instanceof PlaidError) throw err;
    deps.log.error('upstream client threw', { request_id: c.get('requestId'), error: err instanceof Error ? err.name : 'unknown' });
    throw errors.internal('the upstream Plaid API could not be called');
  }

  audit.plaidRequestId = upstream.plaidRequestId;
  audit.plaidStatus = upstream.status;
  const ok = upstream.status >= 200 && upstream.status < 300;
  if (ok) {
    audit.decision = 'allow';
    audit.reason = null;
  } else {
    const code = String(upstream.body.error_code);
    // The gateway allowed the call; Plaid refused it (or failed).
    audit.decision = upstream.status >= 500 ? 'error' : 'allow';
    audit.reason = `plaid_${code}`.slice(0, 120);
    c.set('errorCode', code);
    if (upstream.retryAfter) c.header('retry-after', upstream.retryAfter);
  }

  const text = redact(JSON.stringify({ ...upstream.body, request_id: c.get('requestId') }), [
    secrets.rawToken,
    secrets.plaidSecret,
  ]);
  c.header('content-type', 'application/json; charset=UTF-8');
  return c.body(text, upstream.status as 200);
}

/**
 * Runs the admission statement and applies its verdict to the request: the
 * audit draft, the principal, the RateLimit headers. Answers an allowed
 * admission or throws the Plaid error the partner gets.
 */
async function admit(
  c: Context<AppEnv>,
  spec: PartnerEndpointSpec,
  body: Record<string, unknown>,
): Promise<Extract<Admission, { outcome: 'allowed' }>> {
  const deps = c.get('deps');
  const audit = c.get('audit');
  const { clientId, secret } = await plaidCredentials(c);
  // The intent's fields exactly as the outcome record will hold them (scrubbed).
  const draft = prepareRecord(buildRecord(c, 0));
  // The outcome record releases the call's intent. Set before admitting: an
  // admission that timed out on our side may still have committed an intent,
  // which must not be folded later as a call that reached Plaid.
  audit.intentWritten = true;
  let admission: Admission;
  try {
    admission = await deps.admissions.admit({
      clientId: clientId!,
      secret: secret!,
      gatewayToken: body.processor_token as string,
      endpoint: spec.path,
      product: spec.product,
      at: deps.clock().getTime(),
      intent: {
        requestId: draft.request_id,
        occurredAt: draft.occurred_at,
        method: draft.method,
        product: draft.product,
        clientIp: draft.client_ip,
        userAgent: draft.user_agent,
        details: draft.details,
      },
    });
  } catch (err) {
    audit.decision = 'error';
    audit.reason = 'admission_unavailable';
    throw err;
  }

  if (admission.outcome === 'unauthenticated') {
    throw authenticationFailed(c, 'partner', admission.reason, admission.partnerId);
  }
  authenticated(c, 'partner', admission.partnerId);
  // Token ids only when the token is this partner's (the statement gives none otherwise).
  if ('tokenId' in admission && admission.tokenId) {
    audit.tokenId = admission.tokenId;
    audit.fintechId = admission.fintechId;
  }
  if (admission.outcome === 'denied') {
    audit.decision = 'deny';
    audit.reason = admission.reason;
    throw denialError(admission.reason, spec);
  }
  for (const [name, value] of Object.entries(admission.limit.headers)) c.header(name, value);
  if (admission.outcome === 'rate_limited') {
    const scope = admission.limit.scope ?? 'partner';
    audit.decision = 'deny';
    audit.reason = `rate_limited_${scope}`;
    deps.metrics?.rateLimited(scope, spec.path);
    throw rateLimitError(admission.limit);
  }
  return admission;
}

/**
 * Validation failed: check the keys before answering the body's problem, so a
 * caller with wrong keys learns nothing about the body (and the record names
 * the partner when its keys are right).
 */
async function partnerValidationHook(
  result: { success: boolean; error?: unknown; data?: unknown },
  c: Context<AppEnv>,
): Promise<void> {
  if (result.success) return;
  const { clientId, secret } = await plaidCredentials(c);
  await authenticateClient(c, 'partner', { clientId: clientId!, secret: secret! });
  throw plaidErrorFromZod(result.error as ZodError, result.data);
}

/**
 * Defence in depth: the raw token and the partner's Plaid secret are never sent
 * back, even if an upstream answer (an error message, say) were to echo them.
 */
function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 8) continue;
    const encoded = JSON.stringify(secret).slice(1, -1);
    if (out.includes(encoded)) out = out.split(encoded).join('[redacted]');
  }
  return out;
}

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: plaidErrorSchema } },
});

/** Registers one partner endpoint: its OpenAPI route (shared Plaid schemas) and the pipeline. */
export function registerPartnerEndpoint(router: AppRouter, spec: PartnerEndpointSpec): void {
  const route = createRoute({
    method: 'post',
    path: spec.path,
    operationId: spec.operationId,
    tags: ['Partner API'],
    summary: spec.summary,
    description: `${spec.description}\n\nProduct checked: \`${spec.product}\`. Send the gateway processor token in \`processor_token\`.`,
    security: [{ PlaidClientId: [], PlaidSecret: [] }],
    middleware: [requirePartnerCredentials(), partnerCall(spec)] as const,
    request: { body: { required: true, content: { 'application/json': { schema: spec.request } } } },
    responses: {
      200: { description: "Plaid's answer, with the gateway's request_id.", content: { 'application/json': { schema: spec.response } } },
      400: errorResponse(
        'INVALID_REQUEST (malformed body), INVALID_INPUT (INVALID_API_KEYS, INVALID_PROCESSOR_TOKEN, INVALID_PRODUCT), or an error passed through from Plaid (ITEM_ERROR, ...).',
      ),
      413: errorResponse('INVALID_BODY: the body is over the size limit.'),
      429: errorResponse("RATE_LIMIT_EXCEEDED: a gateway limit (Retry-After, RateLimit headers) or Plaid's own."),
      500: errorResponse('API_ERROR: Plaid failed, timed out or answered something that is not Plaid.'),
      503: errorResponse('API_ERROR PLANNED_MAINTENANCE: Plaid is unavailable.'),
    },
  });
  // The handler answers Plaid's body verbatim (any status Plaid used), which the
  // typed-response helpers cannot express; the schemas above document it.
  router.openapi(
    route,
    (c) => handlePartnerCall(c, spec, c.req.valid('json') as Record<string, unknown>) as never,
    partnerValidationHook as never,
  );
}

export function registerPartnerSecuritySchemes(router: AppRouter): void {
  router.openAPIRegistry.registerComponent('securitySchemes', 'PlaidClientId', {
    type: 'apiKey',
    in: 'header',
    name: 'PLAID-CLIENT-ID',
    description: 'The gateway-issued client_id (or `client_id` in the JSON body).',
  });
  router.openAPIRegistry.registerComponent('securitySchemes', 'PlaidSecret', {
    type: 'apiKey',
    in: 'header',
    name: 'PLAID-SECRET',
    description: 'The gateway-issued secret (or `secret` in the JSON body).',
  });
}
