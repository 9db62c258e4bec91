import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKeysCommand, type KeysDeps } from '../../src/cli/keys';
import { operatorApi, type OperatorApi } from '../../src/cli/operator-api';
import { runTenancyCommand } from '../../src/cli/tenancy';
import { Keyring } from '../../src/tenancy/crypto';
import { sealedKeyUsage } from '../../src/tenancy/rotation';
import { startTestStack, type TestStack } from '../support/stack';
import { auditRows } from '../support/audit';
import { clientCall, importToken } from '../support/tenants';

let stack: TestStack;
let deps: KeysDeps;
let api: OperatorApi;
beforeAll(async () => {
  stack = await startTestStack();
  deps = { db: stack.deps.db, keyring: stack.deps.keyring, audit: stack.deps.audit };
  // The operator API in-process, as the CLI process builds it on its own deps.
  api = operatorApi(stack.deps);
});
afterAll(async () => stack?.close());

/** Runs one CLI command in-process against the test stack's database. */
async function cli(group: 'partners' | 'fintechs' | 'auditors' | 'keys', command: string, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
  const code =
    group === 'keys' ? await runKeysCommand(deps, command, argv, io) : await runTenancyCommand(api, group, command, argv, io);
  const parse = (lines: string[]) => (lines.length ? JSON.parse(lines.join('\n')) : undefined);
  return { code, json: code === 0 ? parse(out) : undefined, error: code === 1 ? parse(err) : err.join('\n') };
}

describe('cli partners', () => {
  it('create → list → get → update → rotate-secret → disable, printing JSON and auditing changes', async () => {
    const created = await cli(
      'partners', 'create',
      '--name', 'Dwolla', '--processor', 'dwolla', '--plaid-client-id', 'pc', '--plaid-secret', 'ps-cli-secret',
      '--products', 'auth,balance',
      '--rate-limits', '{"partner":{"/processor/auth/get":{"limit":10,"window_seconds":60}}}',
    );
    expect(created.code).toBe(0);
    expect(created.json).toMatchObject({
      partner_id: expect.stringMatching(/^ptn_/),
      client_id: expect.stringMatching(/^cli_/),
      secret: expect.any(String),
      products: ['auth', 'balance'],
      rate_limits: { partner: { '/processor/auth/get': { limit: 10, window_seconds: 60 } } },
    });
    const id = created.json.partner_id;

    const list = await cli('partners', 'list');
    expect(list.json.partners.map((p: any) => p.partner_id)).toContain(id);
    expect(JSON.stringify(list.json)).not.toContain(created.json.secret);

    expect((await cli('partners', 'get', id)).json).toMatchObject({ partner_id: id, plaid: { client_id: 'pc' } });

    const updated = await cli('partners', 'update', id, '--products', 'auth', '--name', 'Dwolla 2');
    expect(updated.json).toMatchObject({ name: 'Dwolla 2', products: ['auth'] });

    const rotated = await cli('partners', 'rotate-secret', id);
    expect(rotated.json.secret).not.toBe(created.json.secret);

    expect((await cli('partners', 'disable', id)).json.disabled).toBe(true);
    expect((await cli('partners', 'enable', id)).json.disabled).toBe(false);

    const records = (await auditRows(stack)).filter((r) => r.partner_id === id && r.actor_id === 'cli' && r.method !== 'GET');
    expect(records.map((r) => r.action)).toEqual([
      'partner.create',
      'partner.update',
      'partner.rotate_secret',
      'partner.update',
      'partner.update',
    ]);
    expect(records[0]).toMatchObject({ actor_type: 'operator', actor_id: 'cli' });
    expect(JSON.stringify(records)).not.toContain('ps-cli-secret');
    expect(JSON.stringify(records)).not.toContain(rotated.json.secret);
  });

  it('validates like the API: unknown processor, unknown product, unknown id, unknown flag', async () => {
    const bad = await cli('partners', 'create', '--name', 'X', '--processor', 'paypal', '--plaid-client-id', 'a', '--plaid-secret', 'b');
    expect(bad.code).toBe(1);
    expect(bad.error).toMatchObject({ error_code: 'INVALID_FIELD' });
    const product = await cli('partners', 'create', '--name', 'X', '--processor', 'moov', '--plaid-client-id', 'a', '--plaid-secret', 'b', '--products', 'auth,nope');
    expect(product.error).toMatchObject({ error_code: 'INVALID_PRODUCT' });
    const missing = await cli('partners', 'create', '--name', 'X');
    expect(missing.error).toMatchObject({ error_code: 'MISSING_FIELDS' });
    expect((await cli('partners', 'get', 'ptn_nope')).error).toMatchObject({ error_code: 'NOT_FOUND' });
    const flag = await cli('partners', 'list', '--everything');
    expect(flag.code).toBe(2);
    expect(flag.error).toMatch(/usage/);
    expect((await cli('partners', 'explode')).code).toBe(2);
  });
});

describe('cli fintechs and auditors', () => {
  it('creates a fintech whose credentials work on the fintech API, and rotates them', async () => {
    const fintech = await cli('fintechs', 'create', '--name', 'Acme');
    expect(fintech.code).toBe(0);
    const partner = await cli('partners', 'create', '--name', 'P', '--processor', 'dwolla', '--plaid-client-id', 'a', '--plaid-secret', 'b');
    const client = { clientId: fintech.json.client_id, secret: fintech.json.secret };
    const { gatewayToken } = await importToken(stack, { partner: { id: partner.json.partner_id }, fintech: client });
    expect((await clientCall(stack, client, '/processor/token/permissions/get', { processor_token: gatewayToken })).status).toBe(200);

    const rotated = await cli('fintechs', 'rotate-secret', fintech.json.fintech_id);
    const old = await clientCall(stack, client, '/processor/token/permissions/get', { processor_token: gatewayToken });
    expect(old.body.error_code).toBe('INVALID_API_KEYS');
    expect(
      (await clientCall(stack, { clientId: client.clientId, secret: rotated.json.secret }, '/processor/token/permissions/get', {
        processor_token: gatewayToken,
      })).status,
    ).toBe(200);
    expect((await cli('fintechs', 'update', fintech.json.fintech_id, '--disabled', 'true')).json.disabled).toBe(true);
    expect((await cli('fintechs', 'update', fintech.json.fintech_id, '--disabled', 'maybe')).error).toMatchObject({
      error_code: 'INVALID_FIELD',
    });
    expect((await cli('fintechs', 'list')).json.fintechs.length).toBeGreaterThan(0);
  });

  it('creates scoped auditors, re-scopes to all partners and rotates keys', async () => {
    const partner = await cli('partners', 'create', '--name', 'P', '--processor', 'dwolla', '--plaid-client-id', 'a', '--plaid-secret', 'b');
    const auditor = await cli('auditors', 'create', '--name', 'Comp', '--partner-id', partner.json.partner_id);
    expect(auditor.json).toMatchObject({ partner_id: partner.json.partner_id, key: expect.stringMatching(/^gwaud_/) });
    const all = await cli('auditors', 'update', auditor.json.auditor_id, '--all-partners');
    expect(all.json.partner_id).toBeNull();
    const rotated = await cli('auditors', 'rotate-key', auditor.json.auditor_id);
    expect(rotated.json.key).not.toBe(auditor.json.key);
    expect((await cli('auditors', 'create', '--name', 'X', '--partner-id', 'ptn_nope')).error).toMatchObject({
      error_code: 'INVALID_FIELD',
    });
  });
});

describe('cli keys', () => {
  it('status shows usage per key id; rotate re-seals under the first configured key', async () => {
    const status = await cli('keys', 'status');
    expect(status.json.current_key_id).toBe('t1');
    expect(Object.keys(status.json.usage)).toEqual(['t1']);

    const oldKey = stack.config.encryptionKeys[0]!;
    deps = { ...deps, keyring: new Keyring([{ id: 't2', bytes: crypto.getRandomValues(new Uint8Array(32)) }, oldKey]) };
    const rotated = await cli('keys', 'rotate');
    expect(rotated.code).toBe(0);
    expect(rotated.json).toMatchObject({ currentKeyId: 't2', skipped: 0, configured_key_ids: ['t2', 't1'] });
    expect(rotated.json.partners).toBeGreaterThan(0);
    expect(Object.keys(await sealedKeyUsage(stack.deps.db))).toEqual(['t2']);
    expect((await auditRows(stack)).some((r) => r.action === 'keys.rotate' && r.details.current_key_id === 't2')).toBe(true);
  });
});

describe('npm run cli (dispatcher, separate process)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (...args: string[]) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      env: {
        PATH: process.env.PATH,
        PGLITE_DATA_DIR: join(dir, 'pglite'),
        DEV_KEYS_FILE: join(dir, 'dev-keys.json'),
        LOG_LEVEL: 'silent',
      },
      timeout: 60_000,
    });

  it('routes `partners create --flag value` to the command and prints JSON', async () => {
    const { stdout } = await run('partners', 'create', '--name', 'Spawned', '--processor', 'dwolla', '--plaid-client-id', 'a', '--plaid-secret', 'b');
    const body = JSON.parse(stdout);
    expect(body).toMatchObject({ name: 'Spawned', processor: 'dwolla', partner_id: expect.stringMatching(/^ptn_/) });
    const list = JSON.parse((await run('partners', 'list')).stdout);
    expect(list.partners.map((p: any) => p.partner_id)).toEqual([body.partner_id]);
  }, 120_000);
});
