/**
 * How the operator CLI reaches the operator API (src/cli/operator-api.ts): in
 * process, with a key of one run that only that run's app holds. Its changes
 * are the routes' own requests, audited by the route in the change's
 * transaction as actor operator/cli, and no HTTP caller can be recorded as the CLI.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { operatorApi } from '../../src/cli/operator-api';
import { buildConfig, parseEnv } from '../../src/config';
import { queryRows } from '../../src/db/database';
import { bearer, call, startTestStack, type TestStack } from '../support/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.close());

function recordsOf(requestId: string | null) {
  return queryRows<Record<string, any>>(stack.deps.db, sql`select * from audit_events where request_id = ${requestId} order by seq`);
}

async function lastRecord() {
  const [row] = await queryRows<Record<string, any>>(stack.deps.db, sql`select * from audit_events order by seq desc limit 1`);
  return row!;
}

describe("the CLI's operator API", () => {
  it('makes a change through the route: one record, the route method and path, actor operator/cli', async () => {
    const created = await operatorApi(stack.deps).request({ method: 'POST', path: '/admin/fintechs', body: { name: 'Via CLI' } });
    expect(created.status).toBe(201);
    const records = await recordsOf(created.body.request_id as string);
    expect(records).toEqual([
      expect.objectContaining({
        action: 'fintech.create',
        method: 'POST',
        endpoint: '/admin/fintechs',
        actor_type: 'operator',
        actor_id: 'cli',
        user_agent: 'gateway-cli',
        fintech_id: created.body.fintech_id,
        http_status: 201,
        decision: 'allow',
      }),
    ]);
  });

  it('a refused change is rolled back and recorded as refused, as for any operator request', async () => {
    const api = operatorApi(stack.deps);
    const created = await api.request({ method: 'POST', path: '/admin/fintechs', body: { name: 'Kept' } });
    const path = `/admin/fintechs/${created.body.fintech_id}`;
    const refused = await api.request({ method: 'PATCH', path, body: { name: 'Changed', disabled: 'maybe' } });
    expect(refused).toMatchObject({ status: 400, body: { error_code: 'INVALID_FIELD' } });
    expect((await api.request({ method: 'GET', path })).body).toMatchObject({ name: 'Kept', disabled: false });
    expect(await recordsOf(refused.body.request_id as string)).toEqual([
      expect.objectContaining({ method: 'PATCH', actor_id: 'cli', decision: 'deny', reason: 'INVALID_FIELD' }),
    ]);
  });

  it("a CLI key opens only the app it was set on; the operator's key is still recorded as the operator", async () => {
    const cliKey = `gwcli_${'k'.repeat(43)}`;
    const cliApp = createApp({ ...stack.deps, config: { ...stack.config, cliKey } });

    // The gateway's own app (configured from the environment) has no CLI key.
    expect(stack.config.cliKey).toBeUndefined();
    const refused = await call(stack.app, 'GET', '/admin/partners', { headers: bearer(cliKey) });
    expect(refused.body.error_code).toBe('INVALID_API_KEYS');
    expect(await lastRecord()).toMatchObject({ action: 'auth.failed', actor_type: 'anonymous', actor_id: null });

    expect((await call(cliApp, 'GET', '/admin/partners', { headers: bearer(cliKey) })).status).toBe(200);
    expect(await lastRecord()).toMatchObject({ action: 'partner.list', actor_type: 'operator', actor_id: 'cli' });
    expect((await call(cliApp, 'GET', '/admin/partners', { headers: bearer(stack.adminKey) })).status).toBe(200);
    expect(await lastRecord()).toMatchObject({ action: 'partner.list', actor_type: 'operator', actor_id: 'operator' });
  });

  it('no environment variable sets a CLI key', () => {
    const key = `gwcli_${'k'.repeat(43)}`;
    const config = buildConfig(
      parseEnv({
        PLAID_ENV: 'emulator',
        GATEWAY_ADMIN_KEY: 'a'.repeat(32),
        GATEWAY_ENCRYPTION_KEY: btoa('x'.repeat(32)),
        cliKey: key,
        CLI_KEY: key,
        GATEWAY_CLI_KEY: key,
      }),
    );
    expect(config.cliKey).toBeUndefined();
  });
});
