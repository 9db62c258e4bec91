/**
 * The hot path's promises when the database misbehaves, on the real Postgres
 * with a second session holding the locks the gateway needs:
 * - an admission or audit statement that cannot get its lock fails within
 *   DATABASE_TIMEOUT_MS with API_ERROR instead of holding the call;
 * - /ready reports a blocked audit chain;
 * - a call that reached Plaid but whose outcome could not be recorded still
 *   shows in the trail: its intent (committed before the call went upstream)
 *   is folded into the chain as outcome_unknown, and the chain verifies;
 * - the same after the gateway process is killed with SIGKILL between Plaid's
 *   answer and the audit commit.
 */
import type { ChildProcess } from 'node:child_process';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_CHAIN_LOCK } from '../../src/audit/postgres-writer';
import { foldStaleIntents, OUTCOME_UNKNOWN } from '../../src/audit/intents';
import { verifyChain } from '../../src/audit/verify';
import { openPostgres } from '../../src/db/postgres';
import { base64url, randomBytes } from '../../src/lib/ids';
import { scratchPostgresWithSession } from '../support/db';
import { json, startGatewayProcess, until } from '../support/gateway-process';
import { expectPlaidError } from '../support/plaid-spec';
import { bearer, call, type TestStack } from '../support/stack';
import { auditRecordFor } from '../support/audit';
import { createFintech, createPartner, gatewayAt, importToken, type Partner, plaidHeaders, startWorldWithToken, type Token } from '../support/tenants';
import { httpPost } from '../support/http';

const TIMEOUT_MS = 300;

let pg: Awaited<ReturnType<typeof scratchPostgresWithSession>>;
let stack: TestStack;
let other: postgres.Sql;
let partner: Partner;
let token: Token;

beforeAll(async () => {
  pg = await scratchPostgresWithSession('gw_bw');
  other = pg.other;
  ({ stack, partner, token } = await startWorldWithToken({ db: pg.db, http: true, env: { DATABASE_TIMEOUT_MS: String(TIMEOUT_MS) } }));
});

afterAll(async () => {
  await stack?.close();
  await pg?.close();
});

const authGet = () => httpPost(stack, '/processor/auth/get', { processor_token: token.gatewayToken }, plaidHeaders(partner));


async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const t0 = performance.now();
  const result = await work();
  return { result, ms: performance.now() - t0 };
}

describe('bounded waits', () => {
  it('an admission that cannot lock its rate-limit counters answers API_ERROR within the bound, and is recorded', async () => {
    const { result: res, ms } = await pg.whileLocked(
      async (s) => {
        await s`begin`;
        await s`lock table rate_limit_counters in exclusive mode`;
      },
      () => timed(authGet),
    );
    expect(res.status).toBe(500);
    expectPlaidError(res.body, { error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR' });
    expect(ms).toBeLessThan(TIMEOUT_MS + 2_000);
    expect(await auditRecordFor(stack, res.body.request_id)).toMatchObject({
      action: 'partner.call',
      decision: 'error',
      reason: 'admission_unavailable',
      plaidStatus: null,
    });
    // Nothing was sent upstream, so nothing waits for an outcome.
    expect((await other`select count(*)::int as n from audit_intents`)[0]!.n).toBe(0);
    expect((await authGet()).status).toBe(200);
  });

  it('a blocked audit chain: the call answers API_ERROR within the bound, /ready says so, and the call still reaches the trail', async () => {
    const { blocked, ready } = await pg.whileLocked(
      (s) => s`select pg_advisory_lock(${AUDIT_CHAIN_LOCK})`,
      async () => ({ blocked: await timed(authGet), ready: await call(stack.app, 'GET', '/ready') }),
    );
    const res = blocked.result;
    expect(res.status).toBe(500);
    expectPlaidError(res.body, { error_type: 'API_ERROR' });
    expect(JSON.stringify(res.body)).not.toMatch(/routing|account/);
    expect(blocked.ms).toBeLessThan(2 * TIMEOUT_MS + 2_000);
    expect(ready.status).toBe(503);
    expectPlaidError(ready.body, { error_type: 'API_ERROR' });
    expect(ready.body.error_message).toMatch(/audit/);

    // The call went to Plaid: its intent is there, and /ready counts it once the chain is free.
    const readyAgain = await call(stack.app, 'GET', '/ready');
    expect(readyAgain.status).toBe(200);
    expect(readyAgain.body.audit).toEqual({ chain_lock: 'ok', pending_intents: 1 });

    expect(await foldStaleIntents(stack.deps.db, stack.deps.audit, { graceMs: 0 })).toBe(1);
    expect(await auditRecordFor(stack, res.body.request_id)).toMatchObject({
      action: 'partner.call',
      partnerId: partner.id,
      tokenId: token.tokenId,
      decision: 'error',
      reason: OUTCOME_UNKNOWN,
      httpStatus: 0,
    });
    // Folding twice records nothing twice.
    expect(await foldStaleIntents(stack.deps.db, stack.deps.audit, { graceMs: 0 })).toBe(0);
    expect(await verifyChain(stack.deps.db)).toMatchObject({ ok: true });
  });
});

describe('a gateway killed between Plaid’s answer and the audit commit', () => {
  const adminKey = `crash_admin_${base64url(randomBytes(24))}`;
  const encryptionKey = Buffer.alloc(32, 9).toString('base64');
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
  });

  const startGateway = (port: number, emulatorPort: number, env: Record<string, string>) =>
    startGatewayProcess({ databaseUrl: pg.url, port, emulatorPort, adminKey, encryptionKey, env });

  it('leaves a trail that verifies and, once a gateway runs again, shows the call', async () => {
    const port = 19000 + Math.floor(Math.random() * 500);
    const emulatorPort = port + 600;
    const gateway = `http://127.0.0.1:${port}`;
    // The first gateway waits (up to 30 s) for the audit chain lock the test holds.
    child = startGateway(port, emulatorPort, { DATABASE_TIMEOUT_MS: '30000', AUDIT_INTENT_SWEEP_MS: '0' });
    await until('the gateway', async () => ((await fetch(`${gateway}/ready`)).ok ? true : undefined));

    const admin = bearer(adminKey);
    const target = gatewayAt(gateway, adminKey, `http://127.0.0.1:${emulatorPort}`);
    const processPartner = await createPartner(target);
    const processToken = await importToken(target, { partner: processPartner, fintech: await createFintech(target) });

    const session = await other.reserve();
    try {
      await session`select pg_advisory_lock(${AUDIT_CHAIN_LOCK})`;
      const pending = json(`${gateway}/processor/auth/get`, { processor_token: processToken.gatewayToken }, plaidHeaders(processPartner)).catch(
        (err: unknown) => err,
      );
      // The intent is committed before the call goes upstream; the audit append then waits on the lock.
      await until('the intent', async () => ((await session`select count(*)::int as n from audit_intents`)[0]!.n === 1 ? true : undefined));
      await until('the append waiting on the chain lock', async () =>
        (await session`select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted`)[0]!.n > 0 ? true : undefined,
      );
      child.kill('SIGKILL');
      await new Promise((r) => child!.once('exit', r));
      expect(await pending).toBeInstanceOf(Error); // the partner got no answer
      // The dead gateway's statement is still queued on the lock inside the
      // database, which would run it (outcome and all) once the lock is free.
      // End it, as the database does once it notices its client is gone
      // (client_connection_check_interval), so the fold path is what is tested.
      await session`select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory' and not granted`;
    } finally {
      await session`select pg_advisory_unlock_all()`;
      session.release();
    }

    // Right after the crash: the chain verifies, and the call waits as an intent.
    const handle = openPostgres(pg.url, { max: 2 });
    try {
      expect(await verifyChain(handle.db)).toMatchObject({ ok: true });
      expect((await other`select count(*)::int as n from audit_intents`)[0]!.n).toBe(1);

      // A gateway starts again and its sweep folds the intent into the chain.
      child = startGateway(port, emulatorPort, { AUDIT_INTENT_GRACE_MS: '500', AUDIT_INTENT_SWEEP_MS: '300' });
      await until('the gateway to restart', async () => ((await fetch(`${gateway}/ready`)).ok ? true : undefined));
      const events = await until('the folded record', async () => {
        const res = await json(`${gateway}/audit/events?partner_id=${processPartner.id}&endpoint=/processor/auth/get`, undefined, admin);
        const found = (res.body.events as Array<Record<string, unknown>>).filter((e) => e.reason === OUTCOME_UNKNOWN);
        return found.length > 0 ? found : undefined;
      });
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ action: 'partner.call', decision: 'error', http_status: 0, partner_id: processPartner.id });
      const verified = await json(`${gateway}/audit/verify`, undefined, admin);
      expect(verified.body).toMatchObject({ ok: true });
      expect((await other`select count(*)::int as n from audit_intents`)[0]!.n).toBe(0);
    } finally {
      await handle.close();
      child?.kill('SIGTERM');
    }
  }, 90_000);
});
