/**
 * A gateway process killed with SIGKILL in the middle of a load of partner
 * calls, then started again on the same database: the chain verifies, every
 * 200 a client received has its record, and every call that reached Plaid
 * without its outcome record shows as outcome_unknown once the restarted
 * gateway folds the intents it left.
 */
import type { ChildProcess } from 'node:child_process';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/audit/verify';
import { openPostgres } from '../../src/db/postgres';
import { base64url, randomBytes } from '../../src/lib/ids';
import { scratchPostgres } from '../support/db';
import { json, startGatewayProcess, until } from '../support/gateway-process';
import { createFintech, createPartner, gatewayAt, importToken, plaidHeaders } from '../support/tenants';

let scratch: Awaited<ReturnType<typeof scratchPostgres>>;
let sql: postgres.Sql;
let child: ChildProcess | undefined;

beforeAll(async () => {
  scratch = await scratchPostgres('gw_crash');
  sql = postgres(scratch.url, { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await sql?.end();
  await scratch?.drop();
});

describe('SIGKILL under load', () => {
  it('loses no record of a 200 and leaves a chain that verifies', async () => {
    const port = 21000 + Math.floor(Math.random() * 500);
    const emulatorPort = port + 600;
    const gateway = `http://127.0.0.1:${port}`;
    const adminKey = `crash_admin_${base64url(randomBytes(24))}`;
    const encryptionKey = Buffer.alloc(32, 5).toString('base64');
    const start = (env: Record<string, string> = {}) =>
      startGatewayProcess({ databaseUrl: scratch.url, port, emulatorPort, adminKey, encryptionKey, env: { AUDIT_INTENT_SWEEP_MS: '0', ...env } });

    child = start();
    await until('the gateway', async () => ((await fetch(`${gateway}/ready`)).ok ? true : undefined));
    const generous = { '/processor/auth/get': { limit: 100_000, window_seconds: 60 } };
    const target = gatewayAt(gateway, adminKey, `http://127.0.0.1:${emulatorPort}`);
    const partner = await createPartner(target, { rate_limits: { partner: generous, token: generous } });
    const token = await importToken(target, { partner, fintech: await createFintech(target) });

    // Eight clients call in a loop; the process is killed while they do.
    const oks: string[] = [];
    let failures = 0;
    let running = true;
    const clients = Array.from({ length: 8 }, async () => {
      while (running) {
        try {
          const res = await json(`${gateway}/processor/auth/get`, { processor_token: token.gatewayToken }, plaidHeaders(partner));
          if (res.status === 200) oks.push(res.body.request_id as string);
        } catch {
          failures++;
        }
      }
    });
    await until('some calls answered', async () => (oks.length >= 50 ? true : undefined), 20_000);
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    running = false;
    await Promise.all(clients);
    expect(failures).toBeGreaterThan(0); // the kill cut calls in flight

    // Right after the crash: the chain verifies, and every 200 has its record.
    const handle = openPostgres(scratch.url, { max: 2 });
    try {
      expect(await verifyChain(handle.db)).toMatchObject({ ok: true });
      const recorded = new Set((await sql`select request_id from audit_events where action = 'partner.call'`).map((r) => r.request_id as string));
      expect(oks.filter((id) => !recorded.has(id))).toEqual([]);
      const intentsLeft = (await sql`select count(*)::int as n from audit_intents`)[0]!.n as number;

      // Started again, the gateway folds what the dead one left; the chain still verifies.
      child = start({ AUDIT_INTENT_GRACE_MS: '500', AUDIT_INTENT_SWEEP_MS: '300' });
      await until('the gateway to restart', async () => ((await fetch(`${gateway}/ready`)).ok ? true : undefined));
      await until('the intents folded', async () => ((await sql`select count(*)::int as n from audit_intents`)[0]!.n === 0 ? true : undefined));
      const folded = (await sql`select count(*)::int as n from audit_events where reason = 'outcome_unknown'`)[0]!.n as number;
      expect(folded).toBe(intentsLeft);
      expect(await verifyChain(handle.db)).toMatchObject({ ok: true });
      console.info(`[crash] ${oks.length} calls answered 200 before SIGKILL, ${failures} cut, ${intentsLeft} folded as outcome_unknown, 0 records lost`);
    } finally {
      await handle.close();
      child?.kill('SIGTERM');
    }
  }, 120_000);
});
