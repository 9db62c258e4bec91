/**
 * Caches are never authority: a change made through one gateway instance takes
 * effect on the very next partner call on every other instance.
 *
 * Two gateway instances on one database, each built by startTestStack (so each
 * has its own createApp(), its own buildNodeDeps(): audit writer, rate limiter,
 * upstream client, keyring) and served over HTTP; partners call through the
 * official plaid SDK. Instance B is built from a fresh evaluation of the
 * gateway's modules, so not even module-level state is shared. Postgres: each instance has its own postgres.js pool on
 * the same database. PGlite (one in-process connection, cannot be opened twice):
 * both instances share the one handle.
 *
 * Every case uses a fresh partner and token, warms BOTH instances with
 * successful partner calls (so whatever either caches — parsed policy, unsealed
 * keys, prepared statements, partner/token facts — is populated), makes the
 * change through one instance's API and asserts the very next call on the other.
 * The whole set runs in both directions (change through A / call on B, and
 * change through B / call on A), so nothing depends on which instance holds what.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { queryRows } from '../../src/db/database';
import { DEFAULT_PARTNER_PRODUCTS } from '../../src/tenancy/schemas';
import { usingPostgres } from '../support/db';
import { startTestStack, startTwoInstances, type TestStack } from '../support/stack';
import { admin, createFintech, createPartner, disablePartner, type Fintech, importToken, type Keys, type Partner, revokeToken, setTokenProducts, type Token } from '../support/tenants';
import { expectSdkError, plaidSdk } from '../support/sdk';

const ON = usingPostgres() ? 'Postgres, one pool per instance' : 'PGlite, one shared in-process handle';

let a: TestStack;
let b: TestStack;
let instances: Awaited<ReturnType<typeof startTwoInstances>>;
let fintech: Fintech;

beforeAll(async () => {
  // Instance B is built from its own evaluation of the gateway's modules (as a
  // second process would be): a cache kept at module level, not in deps, is
  // then not shared between the two instances either, so a cache that only the
  // writing instance invalidates is caught. Same Plaid (the emulator) behind both.
  vi.resetModules();
  const separate: typeof import('../support/stack') = await import('../support/stack');
  expect(separate.startTestStack).not.toBe(startTestStack);
  instances = await startTwoInstances({ http: true, startSecond: separate.startTestStack });
  ({ a, b } = instances);
  fintech = await createFintech(a);
});

afterAll(async () => instances?.close());

type Product = 'auth' | 'balance';

/** A successful partner call through the SDK over HTTP on `stack`. */
async function expectServed(stack: TestStack, keys: Keys, token: Token, product: Product): Promise<void> {
  const sdk = plaidSdk(stack.url, keys);
  const res =
    product === 'auth'
      ? await sdk.processorAuthGet({ processor_token: token.gatewayToken })
      : await sdk.processorBalanceGet({ processor_token: token.gatewayToken });
  expect(res.status).toBe(200);
  expect(res.data.account.account_id).toEqual(expect.any(String));
  expect(res.data.request_id).toBe(res.headers['x-request-id']);
}

/** A refused partner call through the SDK over HTTP on `stack`: HTTP status and Plaid error. */
async function expectRefused(
  stack: TestStack,
  keys: Keys,
  token: Token,
  product: Product,
  expected: { status: number; error_type: string; error_code: string },
): Promise<void> {
  const sdk = plaidSdk(stack.url, keys);
  await expectSdkError(
    product === 'auth'
      ? sdk.processorAuthGet({ processor_token: token.gatewayToken })
      : sdk.processorBalanceGet({ processor_token: token.gatewayToken }),
    expected,
  );
}

const INVALID_PROCESSOR_TOKEN = { status: 400, error_type: 'INVALID_INPUT', error_code: 'INVALID_PROCESSOR_TOKEN' };
const INVALID_API_KEYS = { status: 400, error_type: 'INVALID_INPUT', error_code: 'INVALID_API_KEYS' };
const INVALID_PRODUCT = { status: 400, error_type: 'INVALID_INPUT', error_code: 'INVALID_PRODUCT' };

/**
 * Successful auth and balance calls on both instances, the caller last (so its
 * caches hold the state from just before the change). Per-token balance limit
 * is 5/min: each case stays well under it.
 */
async function warm(changer: TestStack, caller: TestStack, keys: Keys, token: Token): Promise<void> {
  for (const stack of [changer, caller]) {
    await expectServed(stack, keys, token, 'auth');
    await expectServed(stack, keys, token, 'balance');
  }
  await expectServed(caller, keys, token, 'auth');
}

/** A fresh partner (every product) with one fresh token imported by the shared fintech. */
async function freshWorld(through: TestStack): Promise<{ partner: Partner; token: Token }> {
  const partner = await createPartner(through);
  const token = await importToken(through, { partner, fintech });
  return { partner, token };
}

describe(`two gateway instances on one database (${ON})`, () => {
  it('are separate apps with separate deps, sharing only the database', async () => {
    expect(a.app).not.toBe(b.app);
    expect(a.url).not.toBe(b.url);
    // Everything buildNodeDeps creates (audit writer, admission/rate limiting,
    // upstream client, keyring, ...) is each instance's own; only the database is shared.
    expect(Object.keys(b.deps).sort()).toEqual(Object.keys(a.deps).sort());
    for (const key of Object.keys(a.deps) as (keyof typeof a.deps)[]) {
      if (key !== 'db') expect(a.deps[key], `deps.${key}`).not.toBe(b.deps[key]);
    }
    if (usingPostgres()) {
      // Two pools: each instance talks to Postgres over its own connections, to the same database.
      expect(a.deps.db).not.toBe(b.deps.db);
      const ask = (stack: TestStack) =>
        queryRows<{ db: string; pid: number }>(stack.deps.db, sql`select current_database() as db, pg_backend_pid() as pid`);
      const [[onA], [onB]] = await Promise.all([ask(a), ask(b)]);
      expect(onA!.db).toBe(onB!.db);
      expect(onA!.pid).not.toBe(onB!.pid);
    } else {
      expect(a.deps.db).toBe(b.deps.db);
    }
    // A partner made through one instance is served by the other.
    const { partner, token } = await freshWorld(a);
    await expectServed(b, partner, token, 'auth');
  });
});

describe.each([
  { via: 'A', on: 'B' },
  { via: 'B', on: 'A' },
])(`change through instance $via, very next partner call on instance $on (${ON})`, ({ via }) => {
  const changer = () => (via === 'A' ? a : b);
  const caller = () => (via === 'A' ? b : a);

  it('fintech revokes the token -> INVALID_PROCESSOR_TOKEN; the partner and its other tokens are unaffected', async () => {
    const { partner, token } = await freshWorld(changer());
    const sibling = await importToken(changer(), { partner, fintech });
    await warm(changer(), caller(), partner, token);
    await warm(changer(), caller(), partner, sibling);

    await revokeToken(changer(), token);

    await expectRefused(caller(), partner, token, 'auth', INVALID_PROCESSOR_TOKEN);
    await expectRefused(caller(), partner, token, 'balance', INVALID_PROCESSOR_TOKEN);
    await expectRefused(changer(), partner, token, 'auth', INVALID_PROCESSOR_TOKEN);
    await expectServed(caller(), partner, sibling, 'auth');
  });

  it('operator disables the partner -> INVALID_API_KEYS; re-enabling works on the next call too', async () => {
    const { partner, token } = await freshWorld(changer());
    await warm(changer(), caller(), partner, token);

    await disablePartner(changer(), partner);

    await expectRefused(caller(), partner, token, 'auth', INVALID_API_KEYS);
    await expectRefused(caller(), partner, token, 'balance', INVALID_API_KEYS);
    await expectRefused(changer(), partner, token, 'auth', INVALID_API_KEYS);

    const enabled = await admin(changer(), 'PATCH', `/admin/partners/${partner.id}`, { disabled: false });
    expect(enabled.status, JSON.stringify(enabled.body)).toBe(200);
    expect(enabled.body.disabled).toBe(false);

    await expectServed(caller(), partner, token, 'auth');
    await expectServed(changer(), partner, token, 'auth');
  });

  it("fintech narrows the token's permission set to balance -> auth INVALID_PRODUCT, balance still served; widening works on the next call too", async () => {
    const { partner, token } = await freshWorld(changer());
    await warm(changer(), caller(), partner, token);

    await setTokenProducts(changer(), token, ['balance']);

    await expectRefused(caller(), partner, token, 'auth', INVALID_PRODUCT);
    await expectServed(caller(), partner, token, 'balance');

    await setTokenProducts(changer(), token, ['auth', 'balance']);

    await expectServed(caller(), partner, token, 'auth');
  });

  it("operator narrows the partner's product cap -> the removed product INVALID_PRODUCT, the kept one served; restoring works on the next call too", async () => {
    const { partner, token } = await freshWorld(changer());
    await warm(changer(), caller(), partner, token);

    const withoutAuth = DEFAULT_PARTNER_PRODUCTS.filter((p) => p !== 'auth');
    const narrowed = await admin(changer(), 'PATCH', `/admin/partners/${partner.id}`, { products: withoutAuth });
    expect(narrowed.status, JSON.stringify(narrowed.body)).toBe(200);
    expect(narrowed.body.products).not.toContain('auth');

    await expectRefused(caller(), partner, token, 'auth', INVALID_PRODUCT);
    await expectServed(caller(), partner, token, 'balance');

    const restored = await admin(changer(), 'PATCH', `/admin/partners/${partner.id}`, { products: DEFAULT_PARTNER_PRODUCTS });
    expect(restored.status, JSON.stringify(restored.body)).toBe(200);

    await expectServed(caller(), partner, token, 'auth');
  });

  it('operator rotates the partner secret -> the old secret INVALID_API_KEYS, the new one accepted', async () => {
    const { partner, token } = await freshWorld(changer());
    await warm(changer(), caller(), partner, token);

    const rotated = await admin(changer(), 'POST', `/admin/partners/${partner.id}/rotate_secret`, {});
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    expect(rotated.body.client_id).toBe(partner.clientId);
    const fresh: Keys = { clientId: partner.clientId, secret: rotated.body.secret };
    expect(fresh.secret).toEqual(expect.any(String));
    expect(fresh.secret).not.toBe(partner.secret);

    await expectRefused(caller(), partner, token, 'auth', INVALID_API_KEYS);
    await expectServed(caller(), fresh, token, 'auth');
    await expectRefused(changer(), partner, token, 'auth', INVALID_API_KEYS);
    await expectServed(changer(), fresh, token, 'auth');
  });
});
