import { createExecutionContext, createScheduledController, env, SELF, waitOnExecutionContext } from 'cloudflare:test';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import worker from '../../src/worker';

/**
 * The Worker's Cron Trigger folds audit intents whose outcome never came into
 * the chain (src/audit/intents.ts), as the Node server's timer does: an intent
 * older than the grace period becomes an `outcome_unknown` record, and the
 * chain still verifies.
 */
const bindings = env as unknown as { DATABASE_URL: string; TEST_ADMIN_KEY: string };

describe('scheduled(): folding audit intents', () => {
  it('turns a stale intent into an outcome_unknown record; the chain verifies', async () => {
    // Never sql.end() inside workerd (porsager/postgres#1202): the socket closes with the test.
    const sql = postgres(bindings.DATABASE_URL, { max: 1, prepare: false, fetch_types: false, onnotice: () => {} });
    const requestId = `wk${Date.now()}`.slice(0, 15);
    await sql`insert into audit_intents (request_id, occurred_at, partner_id, fintech_id, token_id, method, endpoint, product, details, created_at)
              values (${requestId}, now() - interval '1 hour', 'ptn_workerfold0000000000', 'ftc_workerfold0000000000', 'tok_workerfold0000000000',
                      'POST', '/processor/auth/get', 'auth', '{"fields_present":["processor_token"]}', now() - interval '1 hour')`;

    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: '* * * * *' }), env as never, ctx);
    await waitOnExecutionContext(ctx);

    const [left] = await sql`select count(*)::int as n from audit_intents where request_id = ${requestId}`;
    expect(left!.n).toBe(0);
    const headers = { authorization: `Bearer ${bindings.TEST_ADMIN_KEY}` };
    const events = await (await SELF.fetch('http://gateway.test/audit/events?partner_id=ptn_workerfold0000000000', { headers })).json<{ events: Array<Record<string, unknown>> }>();
    expect(events.events).toHaveLength(1);
    expect(events.events[0]).toMatchObject({ request_id: requestId, action: 'partner.call', decision: 'error', reason: 'outcome_unknown', http_status: 0 });
    const verified = await (await SELF.fetch('http://gateway.test/audit/verify', { headers })).json<{ ok: boolean }>();
    expect(verified.ok).toBe(true);
  });
});
