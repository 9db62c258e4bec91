/**
 * `npm run cli -- audit verify|export`, straight on the database the test
 * writes: PGlite in a data directory (PGLITE_DATA_DIR), or the test's own
 * Postgres database (DATABASE_URL). The command functions run in-process, and
 * the real CLI is spawned for its exit codes.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditWriter } from '../../src/audit/postgres-writer';
import { auditCli, type AuditCliIo } from '../../src/cli/audit';
import type { DatabaseHandle } from '../../src/db/database';
import { runMigrations } from '../../src/db/migrate';
import { openPglite } from '../../src/db/pglite';
import { openPostgres } from '../../src/db/postgres';
import { openTestDatabase, usingPostgres } from '../support/db';
import { record, tamper } from '../support/audit';
import { runTsx } from '../support/scripts';

const dir = mkdtempSync(join(tmpdir(), 'gw-audit-cli-'));
let env: Record<string, string>;
let reopen: () => Promise<DatabaseHandle>;
let keepOpen: DatabaseHandle | undefined;

beforeAll(async () => {
  let handle: DatabaseHandle;
  if (usingPostgres()) {
    const db = await openTestDatabase();
    keepOpen = db;
    env = { DATABASE_URL: db.url! };
    handle = db;
    reopen = async () => openPostgres(db.url!, { max: 1 });
  } else {
    const dataDir = join(dir, 'pglite');
    env = { PGLITE_DATA_DIR: dataDir };
    reopen = () => openPglite(dataDir);
    handle = await reopen();
    await runMigrations(handle);
  }
  const writer = createAuditWriter(handle.db);
  for (let i = 0; i < 12; i++) await writer.append(record({ reason: i === 3 ? 'needs "quotes", and commas' : null }));
  // PGlite allows one process per data directory: close it before the CLI opens it.
  if (!keepOpen) await handle.close();
});
afterAll(async () => {
  await keepOpen?.close();
  rmSync(dir, { recursive: true, force: true });
});

function io(): AuditCliIo & { stdoutText: () => string; lines: string[]; errors: string[] } {
  const chunks: Buffer[] = [];
  const lines: string[] = [];
  const errors: string[] = [];
  const stdout = new Writable({
    write(chunk, _enc, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return {
    env: { ...env, LOG_LEVEL: 'silent' },
    stdout,
    out: (l) => lines.push(l),
    err: (l) => errors.push(l),
    stdoutText: () => Buffer.concat(chunks).toString('utf8'),
    lines,
    errors,
  };
}

function runCli(args: string[]) {
  return runTsx('src/cli/main.ts', args, { LOG_LEVEL: 'silent', ...env });
}

describe('audit CLI', () => {
  it('verify: prints the verdict and returns 0 on an intact chain', async () => {
    const ctx = io();
    expect(await auditCli('verify', [], ctx)).toBe(0);
    expect(JSON.parse(ctx.lines[0]!)).toMatchObject({ ok: true, checked: 12, from_seq: 1, to_seq: 12 });
    expect(ctx.errors[0]).toMatch(/^PASS: 12 record/);
    const ranged = io();
    expect(await auditCli('verify', ['--from-seq', '5', '--to-seq', '7'], ranged)).toBe(0);
    expect(JSON.parse(ranged.lines[0]!)).toMatchObject({ ok: true, checked: 3 });
  });

  it('export: JSON Lines to stdout and CSV to a file', async () => {
    const jsonl = io();
    expect(await auditCli('export', ['--format', 'jsonl'], jsonl)).toBe(0);
    const events = jsonl.stdoutText().trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const out = join(dir, 'audit.csv');
    const csv = io();
    expect(await auditCli('export', ['--format=csv', '--out', out, '--decision', 'allow'], csv)).toBe(0);
    const rows: Record<string, string>[] = parse(readFileSync(out, 'utf8'), { columns: true });
    expect(rows).toHaveLength(12);
    expect(rows[3]!.reason).toBe('needs "quotes", and commas');
    expect(rows.map((r) => r.hash)).toEqual(events.map((e) => e.hash));
    expect(csv.errors[0]).toMatch(/^wrote \d+ bytes of csv/);
  });

  it('bad arguments: exit code 2 and the usage', async () => {
    for (const args of [['--format', 'xml'], ['--token', 'processor-gw-secret'], ['--colour', 'red'], ['--from', 'soon']]) {
      const ctx = io();
      expect(await auditCli('export', args, ctx), args.join(' ')).toBe(2);
      expect(ctx.errors.join('\n')).toMatch(/usage: audit export/);
    }
    const ctx = io();
    expect(await auditCli('verify', ['--from-seq', 'zero'], ctx)).toBe(2);
    expect(await auditCli('rewrite', [], ctx)).toBe(2);
  });

  it('the real CLI exits 0, then 1 once a record is changed behind the gateway\'s back', async () => {
    const good = await runCli(['audit', 'verify']);
    expect(good.code, good.stderr).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ ok: true, checked: 12 });

    const handle = await reopen();
    await tamper(handle.db, sql`update audit_events set http_status = 500 where seq = 9`);
    await handle.close();

    const bad = await runCli(['audit', 'verify']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, first_bad_seq: 9, reason: 'hash_mismatch' });
    expect(bad.stderr).toMatch(/FAIL at seq 9/);
  }, 60_000);
});
