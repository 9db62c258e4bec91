/**
 * Partners, fintechs and imported tokens for the partner-endpoint tests, made
 * through the operator and fintech APIs (in process), exactly as in production.
 * Raw processor tokens come from the emulator over HTTP, as a fintech gets them.
 */
import { eq } from 'drizzle-orm';
import type { PlaidApi } from 'plaid';
import { request } from 'undici';
import { expect } from 'vitest';
import { auditEvents, processorTokens, type RateLimitConfig } from '../../src/db/schema';
import type { EmulatorClient } from '../../src/emulator/app';
import { hashGatewayToken } from '../../src/tenancy/tokens';
import { plaidSdk } from '../support/sdk';
import { TEST_PLAID_CLIENT, bearer, call, type TestStack } from '../support/stack';

export interface PartnerFixture {
  partnerId: string;
  clientId: string;
  secret: string;
  plaid: EmulatorClient;
}

export interface FintechFixture {
  fintechId: string;
  clientId: string;
  secret: string;
}

export interface TokenFixture {
  gatewayToken: string;
  tokenId: string;
  rawToken: string;
  /** The fintech that imported it (and manages it). */
  fintech: FintechFixture;
}

export const ALL_PARTNER_PRODUCTS = ['auth', 'balance', 'identity', 'signal', 'transactions'];

export async function createPartner(
  stack: TestStack,
  options: { plaid?: EmulatorClient; products?: string[]; rateLimits?: RateLimitConfig } = {},
): Promise<PartnerFixture> {
  const plaid = options.plaid ?? TEST_PLAID_CLIENT;
  const created = await call(stack.app, 'POST', '/admin/partners', {
    headers: bearer(stack.adminKey),
    body: {
      name: 'Partner under test',
      processor: 'dwolla',
      plaid: { client_id: plaid.clientId, secret: plaid.secret },
      products: options.products ?? ALL_PARTNER_PRODUCTS,
      ...(options.rateLimits ? { rate_limits: options.rateLimits } : {}),
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const partner: PartnerFixture = {
    partnerId: created.body.partner_id,
    clientId: created.body.client_id,
    secret: created.body.secret,
    plaid,
  };
  return partner;
}

/** The operator disables a partner (PATCH /admin/partners/{id} {disabled: true}). */
export async function disablePartner(stack: TestStack, partner: PartnerFixture): Promise<void> {
  const patched = await call(stack.app, 'PATCH', `/admin/partners/${partner.partnerId}`, {
    headers: bearer(stack.adminKey),
    body: { disabled: true },
  });
  expect(patched.status, JSON.stringify(patched.body)).toBe(200);
}

export async function createFintech(stack: TestStack): Promise<FintechFixture> {
  const created = await call(stack.app, 'POST', '/admin/fintechs', {
    headers: bearer(stack.adminKey),
    body: { name: 'Fintech under test' },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return { fintechId: created.body.fintech_id, clientId: created.body.client_id, secret: created.body.secret };
}

/** A raw processor token from the emulator's /sandbox/processor_token/create, for `plaid` keys. */
export async function mintRawToken(
  stack: TestStack,
  options: { plaid?: EmulatorClient; institutionId?: string; password?: string } = {},
): Promise<string> {
  const plaid = options.plaid ?? TEST_PLAID_CLIENT;
  const res = await emulatorPost(stack, '/sandbox/processor_token/create', {
    institution_id: options.institutionId ?? 'ins_109508',
    ...(options.password ? { options: { override_password: options.password } } : {}),
  }, plaid);
  if (res.status !== 200 || !res.body.processor_token) throw new Error(`sandbox token create failed: ${JSON.stringify(res.body)}`);
  return res.body.processor_token as string;
}

/** A POST straight to the emulator (what Plaid answers for a raw token, or an emulator control). */
export async function emulatorPost(
  stack: TestStack,
  path: string,
  body: Record<string, unknown>,
  plaid: EmulatorClient = TEST_PLAID_CLIENT,
): Promise<{ status: number; body: any }> {
  const res = await rawPost(stack.emulator.url + path, JSON.stringify(body), {
    'plaid-client-id': plaid.clientId,
    'plaid-secret': plaid.secret,
  });
  return { status: res.status, body: res.body };
}

/**
 * One POST on a fresh connection (`reset: true`): test helpers never reuse an
 * idle keep-alive socket the server may be closing at that very moment.
 */
async function rawPost(
  url: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Headers; body: any; text: string }> {
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    reset: true,
  });
  const text = await res.body.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  const out = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined) out.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return { status: res.statusCode, headers: out, body: parsed, text };
}

/** Imports a raw token for a partner through the fintech API (/gateway/processor_token/import). */
export async function importToken(
  stack: TestStack,
  input: { partner: PartnerFixture; fintech: FintechFixture; rawToken?: string; products?: string[] },
): Promise<TokenFixture> {
  const rawToken = input.rawToken ?? (await mintRawToken(stack, { plaid: input.partner.plaid }));
  const imported = await call(stack.app, 'POST', '/gateway/processor_token/import', {
    headers: keys(input.fintech),
    body: { processor_token: rawToken, partner_id: input.partner.partnerId, ...(input.products ? { products: input.products } : {}) },
  });
  expect(imported.status, JSON.stringify(imported.body)).toBe(200);
  const gatewayToken = imported.body.processor_token as string;
  // The token's public id (what audit records carry) is not part of the API answer.
  const [row] = await stack.deps.db
    .select({ id: processorTokens.id })
    .from(processorTokens)
    .where(eq(processorTokens.tokenHash, await hashGatewayToken(gatewayToken)));
  return { gatewayToken, tokenId: row!.id, rawToken, fintech: input.fintech };
}

/** Narrows or widens a token's permission set (/processor/token/permissions/set, as its fintech). */
export async function setTokenProducts(stack: TestStack, token: TokenFixture, products: string[]): Promise<void> {
  const res = await call(stack.app, 'POST', '/processor/token/permissions/set', {
    headers: keys(token.fintech),
    body: { processor_token: token.gatewayToken, products },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

/** Revokes a token (/gateway/processor_token/revoke, as its fintech). */
export async function revokeToken(stack: TestStack, token: TokenFixture): Promise<void> {
  const res = await call(stack.app, 'POST', '/gateway/processor_token/revoke', {
    headers: keys(token.fintech),
    body: { processor_token: token.gatewayToken },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

/** The official Plaid SDK pointed at the gateway with a partner's gateway keys. */
export function partnerSdk(stack: TestStack, partner: { clientId: string; secret: string }): PlaidApi {
  return plaidSdk(stack.url, partner);
}

/** A raw POST to the gateway over HTTP (malformed bodies, header checks). */
export async function post(
  stack: TestStack,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: any; text: string }> {
  return rawPost(stack.url + path, typeof body === 'string' ? body : JSON.stringify(body), headers);
}

export function keys(partner: { clientId: string; secret: string }): Record<string, string> {
  return { 'plaid-client-id': partner.clientId, 'plaid-secret': partner.secret };
}

export { expectSdkError } from '../support/sdk';

/**
 * The audit record of a gateway request (by the gateway request_id). The audit
 * middleware awaits the commit before answering, so it is there already.
 */
export async function auditRecordFor(stack: TestStack, requestId: string) {
  const rows = await stack.deps.db.select().from(auditEvents).where(eq(auditEvents.requestId, requestId));
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

