/**
 * The gateway's tenants in tests: partners, fintechs, auditors and imported
 * tokens, made through the operator and fintech APIs exactly as in production
 * (in process for a test stack, over HTTP for a gateway process). Raw
 * processor tokens come from the emulator, as a fintech gets them; a helper
 * that cannot get a real value fails, it never makes one up.
 *
 * The insert…Row helpers write rows straight into the database instead, with
 * no audit record: for the audit tests that count every record in the trail.
 */
import { eq, sql } from 'drizzle-orm';
import type { GatewayApp } from '../../src/app';
import { hashSecret } from '../../src/auth/hash';
import type { AppDeps } from '../../src/context';
import { queryRows, type Database } from '../../src/db/database';
import { auditors, partners, processorTokens } from '../../src/db/schema';
import type { EmulatorClient } from '../../src/emulator/app';
import { publicId, randomSecret, requestId } from '../../src/lib/ids';
import { PARTNER_ENDPOINTS, type Product } from '../../src/plaid/schemas';
import type { Admission } from '../../src/tenancy/admission';
import { hashGatewayToken } from '../../src/tenancy/tokens';
import { emulatorPost, httpRequest } from './http';
import { bearer, call, startTestStack, TEST_PLAID_CLIENT, type StackOptions, type TestStack } from './stack';

export type Body = Record<string, any>;

/** What the helpers need of a gateway: a test stack (in process), or a running gateway process (over HTTP). */
export interface Gateway {
  url: string;
  adminKey: string;
  emulator: { url: string };
  /** In process when present, else over HTTP at `url`. */
  app?: GatewayApp;
  /** The gateway's database, when the test can read it. */
  deps?: Pick<AppDeps, 'db'>;
}

/** A gateway process started by the test (test/support/gateway-process.ts). */
export function gatewayAt(url: string, adminKey: string, emulatorUrl: string): Gateway {
  return { url, adminKey, emulator: { url: emulatorUrl } };
}

/** One JSON request to the gateway, in process or over HTTP. */
function send(
  gateway: Gateway,
  method: string,
  path: string,
  init: { body?: unknown; headers?: Record<string, string> },
): Promise<{ status: number; body: any; headers: Headers }> {
  if (gateway.app) return call(gateway.app, method, path, init);
  return httpRequest(method, gateway.url + path, init);
}

/** Plaid-style keys of a gateway client (a partner's or a fintech's). */
export interface Keys {
  clientId: string;
  secret: string;
}

/** A partner or a fintech as the operator API created it; `body` is the whole answer. */
export interface Client extends Keys {
  id: string;
  body: Body;
}

export interface Partner extends Client {
  /** The partner's Plaid keys (the emulator's client), which the gateway calls Plaid with. */
  plaid: EmulatorClient;
}

export type Fintech = Client;

/** A gateway token a fintech imported for a partner. */
export interface ImportedToken {
  gatewayToken: string;
  rawToken: string;
  partner: { id: string };
  /** The fintech that imported it (and manages it). */
  fintech: Keys;
  /** The import's answer. */
  body: Body;
}

export interface Token extends ImportedToken {
  /** The token's public id (what audit records carry; not part of the import's answer, so read from the database). */
  tokenId: string;
}

/** The gateway client's keys as Plaid's headers. */
export function plaidHeaders(client: Keys): Record<string, string> {
  return { 'PLAID-CLIENT-ID': client.clientId, 'PLAID-SECRET': client.secret };
}

/** A call with the operator key (the admin API). */
export function admin(gateway: Gateway, method: string, path: string, body?: unknown) {
  return send(gateway, method, path, { body, headers: bearer(gateway.adminKey) });
}

/** A POST with a gateway client's keys in the headers (in process). */
export function clientCall(stack: TestStack, client: Keys, path: string, body: Body) {
  return call(stack.app, 'POST', path, { body, headers: plaidHeaders(client) });
}

function expectStatus(what: string, res: { status: number; body: any }, status: number): void {
  if (res.status !== status) throw new Error(`${what} failed: ${res.status} ${JSON.stringify(res.body)}`);
}

/**
 * Fields of POST /admin/partners, over defaults (name, processor, the test
 * Plaid keys, the gateway's default products); `plaid` is given as the
 * emulator client whose keys to store.
 */
export interface PartnerFields {
  name?: string;
  processor?: string;
  plaid?: EmulatorClient;
  products?: string[];
  rate_limits?: Body;
}

/** A partner, created with the operator API. */
export async function createPartner(gateway: Gateway, fields: PartnerFields = {}): Promise<Partner> {
  const { plaid = TEST_PLAID_CLIENT, ...rest } = fields;
  const res = await admin(gateway, 'POST', '/admin/partners', {
    name: 'Dwolla',
    processor: 'dwolla',
    plaid: { client_id: plaid.clientId, secret: plaid.secret },
    ...rest,
  });
  expectStatus('partner create', res, 201);
  return { id: res.body.partner_id, clientId: res.body.client_id, secret: res.body.secret, plaid, body: res.body };
}

/** The operator disables a partner (PATCH /admin/partners/{id} {disabled: true}). */
export async function disablePartner(gateway: Gateway, partner: { id: string }): Promise<void> {
  expectStatus('partner disable', await admin(gateway, 'PATCH', `/admin/partners/${partner.id}`, { disabled: true }), 200);
}

/** A fintech, created with the operator API. */
export async function createFintech(gateway: Gateway, name = 'Acme Pay'): Promise<Fintech> {
  const res = await admin(gateway, 'POST', '/admin/fintechs', { name });
  expectStatus('fintech create', res, 201);
  return { id: res.body.fintech_id, clientId: res.body.client_id, secret: res.body.secret, body: res.body };
}

/** An auditor (all partners unless `partner_id`), created with the operator API; `key` is its one-time key. */
export async function createAuditor(gateway: Gateway, fields: Body = {}): Promise<{ id: string; key: string; body: Body }> {
  const res = await admin(gateway, 'POST', '/admin/auditors', { name: 'Compliance', ...fields });
  expectStatus('auditor create', res, 201);
  return { id: res.body.auditor_id, key: res.body.key, body: res.body };
}

export type WorldOptions = StackOptions & { partner?: PartnerFields };

/** A fresh stack with one partner (`partner` fields) and one fintech made through the operator API (most tests start here). */
export async function startWorld(options: WorldOptions = {}): Promise<{ stack: TestStack; partner: Partner; fintech: Fintech }> {
  const { partner: partnerFields, ...stackOptions } = options;
  const stack = await startTestStack(stackOptions);
  const partner = await createPartner(stack, partnerFields);
  const fintech = await createFintech(stack, 'Owner');
  return { stack, partner, fintech };
}

/** startWorld, and a token the fintech imported for the partner (of `rawToken` when given, else a fresh one). */
export async function startWorldWithToken(options: WorldOptions & { rawToken?: string } = {}) {
  const { rawToken, ...worldOptions } = options;
  const world = await startWorld(worldOptions);
  const token = await importToken(world.stack, { partner: world.partner, fintech: world.fintech, ...(rawToken ? { rawToken } : {}) });
  return { ...world, token };
}

/** A raw processor token from the emulator's /sandbox/processor_token/create, for `plaid` keys (fails loudly if it cannot). */
export async function mintRawToken(
  gateway: { emulator: { url: string } },
  options: { plaid?: EmulatorClient; institutionId?: string; password?: string } = {},
): Promise<string> {
  const res = await emulatorPost(
    gateway,
    '/sandbox/processor_token/create',
    {
      institution_id: options.institutionId ?? 'ins_109508',
      ...(options.password ? { options: { override_password: options.password } } : {}),
    },
    options.plaid ?? TEST_PLAID_CLIENT,
  );
  if (res.status !== 200 || typeof res.body.processor_token !== 'string') {
    throw new Error(`the emulator did not create a processor token: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return res.body.processor_token;
}

/**
 * The fintech imports a raw token for the partner (/gateway/processor_token/import);
 * without `rawToken`, a fresh one is minted with the partner's Plaid keys.
 * `products` and `webhook` go into the import request when given.
 */
export async function importToken(
  gateway: TestStack,
  input: { partner: { id: string; plaid?: EmulatorClient }; fintech: Keys; rawToken?: string; products?: string[]; webhook?: string },
): Promise<Token>;
export async function importToken(
  gateway: Gateway,
  input: { partner: { id: string; plaid?: EmulatorClient }; fintech: Keys; rawToken?: string; products?: string[]; webhook?: string },
): Promise<ImportedToken>;
export async function importToken(
  gateway: Gateway,
  input: { partner: { id: string; plaid?: EmulatorClient }; fintech: Keys; rawToken?: string; products?: string[]; webhook?: string },
): Promise<ImportedToken | Token> {
  const { partner, fintech, rawToken: given, ...fields } = input;
  const rawToken = given ?? (await mintRawToken(gateway, { plaid: partner.plaid }));
  const res = await send(gateway, 'POST', '/gateway/processor_token/import', {
    body: { processor_token: rawToken, partner_id: partner.id, ...fields },
    headers: plaidHeaders(fintech),
  });
  expectStatus('import', res, 200);
  const imported: ImportedToken = { gatewayToken: res.body.processor_token, rawToken, partner: { id: partner.id }, fintech, body: res.body };
  if (!gateway.deps) return imported;
  return { ...imported, tokenId: (await tokenRow({ deps: gateway.deps }, imported.gatewayToken)).id };
}

/** The stored row of a gateway token (fails if there is none). */
export async function tokenRow(stack: { deps: Pick<AppDeps, 'db'> }, gatewayToken: string) {
  const [row] = await stack.deps.db.select().from(processorTokens).where(eq(processorTokens.tokenHash, await hashGatewayToken(gatewayToken)));
  if (!row) throw new Error('no processor_tokens row for that gateway token');
  return row;
}

/** Narrows or widens a token's permission set (/processor/token/permissions/set, as its fintech). */
export async function setTokenProducts(gateway: Gateway, token: ImportedToken, products: string[]): Promise<void> {
  const res = await send(gateway, 'POST', '/processor/token/permissions/set', {
    body: { processor_token: token.gatewayToken, products },
    headers: plaidHeaders(token.fintech),
  });
  expectStatus('permissions set', res, 200);
}

/** Revokes a token (/gateway/processor_token/revoke, as its fintech). */
export async function revokeToken(gateway: Gateway, token: ImportedToken): Promise<void> {
  const res = await send(gateway, 'POST', '/gateway/processor_token/revoke', {
    body: { processor_token: token.gatewayToken },
    headers: plaidHeaders(token.fintech),
  });
  expectStatus('revoke', res, 200);
}

/** The URL of a party's webhook destination for a gateway token (undefined: none set). */
export async function webhookDestinationUrl(
  stack: TestStack,
  gatewayToken: string,
  party: 'fintech' | 'partner',
): Promise<string | undefined> {
  const rows = await queryRows<{ url: string }>(
    stack.deps.db,
    sql`select d.url from webhook_destinations d join processor_tokens t on t.id = d.token_id
         where t.token_hash = ${await hashGatewayToken(gatewayToken)} and d.party = ${party}`,
  );
  return rows[0]?.url;
}

/**
 * One admission of a partner call, straight through the gateway's admission
 * statement (what every partner call runs first): for tests of the decision
 * itself. An allowed admission counts in the rate limits and leaves an audit
 * intent, as a real call does.
 */
export function admitCall(stack: TestStack, partner: Keys, gatewayToken: string, product: Product = 'auth'): Promise<Admission> {
  const endpoint = PARTNER_ENDPOINTS.find((e) => e.product === product)?.path ?? '/processor/auth/get';
  return stack.deps.admissions.admit({
    clientId: partner.clientId,
    secret: partner.secret,
    gatewayToken,
    endpoint,
    product,
    at: Date.now(),
    intent: {
      requestId: requestId(),
      occurredAt: new Date().toISOString(),
      method: 'POST',
      product,
      clientIp: null,
      userAgent: null,
      details: {},
    },
  });
}

/**
 * A partner row written straight into the database, with no audit record.
 * It has no working Plaid keys (placeholders that nothing decrypts): for
 * audit tests that never call Plaid for it.
 */
export async function insertPartnerRow(db: Database, name = 'Partner'): Promise<string> {
  const id = publicId('ptn');
  await db.insert(partners).values({
    id,
    name,
    processor: 'dwolla',
    clientId: publicId('pcl'),
    secretHash: await hashSecret(randomSecret()),
    plaidClientId: 'x',
    plaidSecretSealed: 'x',
    plaidSecretKeyId: 'x',
    products: ['auth'],
  });
  return id;
}

/** An auditor row with a known key, written straight into the database; partnerId null = all partners. */
export async function insertAuditorRow(db: Database, partnerId: string | null): Promise<{ id: string; key: string }> {
  const id = publicId('aud');
  const key = `audk_${randomSecret()}`;
  await db.insert(auditors).values({ id, name: 'Auditor', partnerId, keyHash: await hashSecret(key) });
  return { id, key };
}
