/**
 * Property-based tests (fast-check) over every route the gateway documents in
 * /openapi.json: whatever the body, the content type, the credentials and the
 * path parameters, the answer is never a 5xx, never carries a stack trace, and
 * every error is Plaid's error object. The routes come from the OpenAPI
 * document itself, so a new route is covered without editing this file.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plaidSpecErrors } from '../support/plaid-spec';
import { bearer, call, type TestStack } from '../support/stack';
import { type Client, importToken, plaidHeaders, startWorld } from '../support/tenants';

let stack: TestStack;
let partner: Client;
let fintech: Client;
let gatewayToken: string;
let routes: Array<{ method: string; path: string }>;

/** Runs per route; the total is reported at the end (and quoted in the README). */
const RUNS_PER_ROUTE = Number(process.env.PROPERTY_RUNS_PER_ROUTE ?? 100);
let casesRun = 0;

beforeAll(async () => {
  ({ stack, partner, fintech } = await startWorld());
  ({ gatewayToken } = await importToken(stack, { partner, fintech }));
  const doc = (await call(stack.app, 'GET', '/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
  routes = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.keys(methods)
      .filter((m) => ['get', 'post', 'patch', 'put', 'delete'].includes(m))
      .map((method) => ({ method: method.toUpperCase(), path })),
  );
});
afterAll(async () => {
  console.info(`[properties] ${casesRun} generated requests over ${routes?.length ?? 0} routes`);
  await stack?.close();
});

const text = fc.string({ unit: 'binary', maxLength: 40 });
const fieldValue = fc.oneof(
  text,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(text, { maxLength: 5 }),
  fc.dictionary(text, text, { maxKeys: 3 }),
);
const knownFields = ['processor_token', 'client_id', 'secret', 'partner_id', 'products', 'webhook', 'name', 'processor', 'plaid', 'options', 'user', 'amount', 'client_transaction_id', 'cursor', 'count', 'key_id', 'delivery_id', 'rate_limits', 'disabled', 'return_code', 'initiated'];
const body = fc.oneof(
  // A JSON object with the fields routes expect, holding anything.
  fc.dictionary(fc.constantFrom(...knownFields), fieldValue, { maxKeys: 6 }).map((o) => JSON.stringify(o)),
  // Any JSON value at all.
  fc.json({ maxDepth: 3 }),
  // Not JSON.
  text,
  fc.constantFrom('', '{', '[]', 'null', '{"a":1}{', '\u0000', '{"processor_token":"\\u0000"}', '{"products":' + '['.repeat(50) + ']'.repeat(50) + '}'),
);
const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  '',
);
const credentials = fc.constantFrom<'partner' | 'fintech' | 'operator' | 'wrong' | 'none'>('partner', 'fintech', 'operator', 'wrong', 'none');
const pathParam = fc.oneof(
  fc.constantFrom('ptn_x', 'ftc_x', 'aud_x', 'tok_x', '%00', '..', '%2F', '%', '%E0%A4%A', 'a'.repeat(300)),
  fc.string({ maxLength: 20 }).map((s) => encodeURIComponent(s) || 'x'),
);
const query = fc.constantFrom('', '?limit=-1', '?from=notadate', '?cursor=%FF', '?partner_id=%00', '?decision=maybe', '?format=xml', '?full=yes', '?from_seq=abc');

function headersFor(who: 'partner' | 'fintech' | 'operator' | 'wrong' | 'none', type: string): Record<string, string> {
  const base: Record<string, string> = type ? { 'content-type': type } : {};
  if (who === 'partner') return { ...base, ...plaidHeaders(partner) };
  if (who === 'fintech') return { ...base, ...plaidHeaders(fintech) };
  if (who === 'operator') return { ...base, ...bearer(stack.adminKey) };
  if (who === 'wrong') return { ...base, 'PLAID-CLIENT-ID': 'cli_nope', 'PLAID-SECRET': 'nope', authorization: 'Bearer nope' };
  return base;
}

describe('every documented route, any input', () => {
  it('never answers 5xx, never shows a stack trace, and every error is Plaid-shaped', async () => {
    expect(routes.length).toBeGreaterThan(20);
    for (const route of routes) {
      await fc.assert(
        fc.asyncProperty(body, contentType, credentials, pathParam, query, fc.boolean(), async (raw, type, who, param, q, useToken) => {
          casesRun++;
          const path = route.path.replace(/\{[^}]+\}/g, param) + (route.method === 'GET' ? q : '');
          const rawBody = useToken && raw.startsWith('{') ? raw.replace('{', `{"processor_token":"${gatewayToken}",`) : raw;
          const res = await call(stack.app, route.method, path, {
            rawBody: route.method === 'GET' ? undefined : rawBody,
            headers: headersFor(who, type),
          });
          const shown = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
          expect(res.status, `${route.method} ${path}: ${shown.slice(0, 200)}`).toBeLessThan(500);
          expect(shown).not.toMatch(/\n\s+at [\w.<]+ \(|node_modules|\/src\//);
          if (res.status >= 400) {
            expect(plaidSpecErrors('PlaidError', res.body), `${route.method} ${path}: ${shown.slice(0, 200)}`).toEqual([]);
          }
        }),
        { numRuns: RUNS_PER_ROUTE, seed: Number(process.env.PROPERTY_SEED ?? 20261130) },
      );
    }
  }, 600_000);
});
