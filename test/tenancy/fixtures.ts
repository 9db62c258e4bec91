/**
 * Helpers shared by the tenancy, admin and fintech tests: operator calls,
 * partner/fintech creation over the API, raw processor tokens from the
 * emulator, and a scan of every table's text.
 */
import { sql } from 'drizzle-orm';
import { queryRows, type Database } from '../../src/db/database';
import { requestId } from '../../src/lib/ids';
import { PARTNER_ENDPOINTS, type Product } from '../../src/plaid/schemas';
import type { Admission } from '../../src/tenancy/admission';
import { hashGatewayToken } from '../../src/tenancy/tokens';
import { bearer, call, startTestStack, TEST_PLAID_CLIENT, type StackOptions, type TestStack } from '../support/stack';

export type Body = Record<string, any>;

export function admin(stack: TestStack, method: string, path: string, body?: unknown) {
  return call(stack.app, method, path, { body, headers: bearer(stack.adminKey) });
}

export interface Client {
  id: string;
  clientId: string;
  secret: string;
}

export function plaidHeaders(client: Pick<Client, 'clientId' | 'secret'>): Record<string, string> {
  return { 'PLAID-CLIENT-ID': client.clientId, 'PLAID-SECRET': client.secret };
}

export async function createPartnerApi(stack: TestStack, overrides: Body = {}): Promise<Client & { body: Body }> {
  const res = await admin(stack, 'POST', '/admin/partners', {
    name: 'Dwolla',
    processor: 'dwolla',
    plaid: { client_id: TEST_PLAID_CLIENT.clientId, secret: TEST_PLAID_CLIENT.secret },
    ...overrides,
  });
  if (res.status !== 201) throw new Error(`partner create failed: ${JSON.stringify(res.body)}`);
  return { id: res.body.partner_id, clientId: res.body.client_id, secret: res.body.secret, body: res.body };
}

export async function createFintechApi(stack: TestStack, name = 'Acme Pay'): Promise<Client & { body: Body }> {
  const res = await admin(stack, 'POST', '/admin/fintechs', { name });
  if (res.status !== 201) throw new Error(`fintech create failed: ${JSON.stringify(res.body)}`);
  return { id: res.body.fintech_id, clientId: res.body.client_id, secret: res.body.secret, body: res.body };
}

/**
 * One admission of a partner call, straight through the gateway's admission
 * statement (what every partner call runs first): for tests of the decision
 * itself. An allowed admission counts in the rate limits and leaves an audit
 * intent, as a real call does.
 */
export function admitCall(
  stack: TestStack,
  partner: Pick<Client, 'clientId' | 'secret'>,
  gatewayToken: string,
  product: Product = 'auth',
): Promise<Admission> {
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

/** A fresh stack with one partner and one fintech made through the operator API (most fintech tests start here). */
export async function startFintechWorld(options: StackOptions = {}) {
  const stack = await startTestStack(options);
  const partner = await createPartnerApi(stack);
  const fintech = await createFintechApi(stack, 'Owner');
  return { stack, partner, fintech };
}

/** A raw Plaid processor token, from the emulator's /sandbox/processor_token/create (fails loudly if it cannot). */
export async function rawProcessorToken(stack: TestStack): Promise<string> {
  const res = await fetch(`${stack.emulator.url}/sandbox/processor_token/create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_id: TEST_PLAID_CLIENT.clientId,
      secret: TEST_PLAID_CLIENT.secret,
      institution_id: 'ins_109508',
    }),
  });
  const body = (await res.json()) as { processor_token?: string };
  if (res.status !== 200 || typeof body.processor_token !== 'string') {
    throw new Error(`the emulator did not create a processor token: ${res.status} ${JSON.stringify(body)}`);
  }
  return body.processor_token;
}

export function fintechCall(stack: TestStack, fintech: Pick<Client, 'clientId' | 'secret'>, path: string, body: Body) {
  return call(stack.app, 'POST', path, { body, headers: plaidHeaders(fintech) });
}

/** Imports a fresh raw token for `partnerId`; returns the gateway token and the raw one. */
export async function importApi(
  stack: TestStack,
  fintech: Pick<Client, 'clientId' | 'secret'>,
  partnerId: string,
  extra: Body = {},
): Promise<{ gatewayToken: string; raw: string; body: Body }> {
  const raw = await rawProcessorToken(stack);
  const res = await fintechCall(stack, fintech, '/gateway/processor_token/import', {
    processor_token: raw,
    partner_id: partnerId,
    ...extra,
  });
  if (res.status !== 200) throw new Error(`import failed: ${JSON.stringify(res.body)}`);
  return { gatewayToken: res.body.processor_token, raw, body: res.body };
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

/** Every row of every table in the public schema as JSON text. */
export async function everyTableText(db: Database): Promise<string> {
  const tables = await queryRows<{ table_name: string }>(
    db,
    sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
  );
  const parts: string[] = [];
  for (const { table_name } of tables) {
    const rows = await queryRows<{ j: string }>(db, sql.raw(`select row_to_json(t)::text as j from "${table_name}" t`));
    parts.push(`${table_name}: ${rows.map((r) => r.j).join('\n')}`);
  }
  return parts.join('\n');
}

/** The audit records written so far (oldest first), waiting for the writer to commit. */
export async function auditRows(stack: TestStack): Promise<Body[]> {
  return queryRows<Body>(stack.deps.db, sql`select * from audit_events order by seq`);
}
