/**
 * `npm run cli -- audit verify [--from-seq N] [--to-seq N]`
 *   Walks the hash chain straight on the database; prints the verdict as JSON;
 *   exit code 0 when the chain is intact, 1 when it is not.
 * `npm run cli -- audit export [--format jsonl|csv] [--out FILE] [--partner-id ID]
 *   [--fintech-id ID] [--token tok_...] [--endpoint PATH] [--decision allow|deny|error]
 *   [--from ISO] [--to ISO]`
 *   Streams the records (in seq order) to FILE or stdout, batch by batch.
 *
 * The database is DATABASE_URL, else PGLITE_DATA_DIR (as for the server); it is
 * migrated first, like `db migrate`. Nothing here goes through HTTP, so these
 * runs are not themselves audited: they are for the operator on the host.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import type { Writable } from 'node:stream';
import { exportChunks, type ExportFormat } from '../audit/export';
import type { AuditFilters, Decision } from '../audit/query';
import { verifyChain } from '../audit/verify';
import { openDatabaseFromEnv } from '../node/deps';
import type { Command } from './io';

export interface AuditCliIo {
  env: Record<string, string | undefined>;
  /** Where export data goes without --out. */
  stdout: Writable;
  /** Human-readable lines (the verdict, summaries, errors). */
  out: (line: string) => void;
  err: (line: string) => void;
}

const USAGE = {
  verify: 'usage: audit verify [--from-seq N] [--to-seq N]',
  export:
    'usage: audit export [--format jsonl|csv] [--out FILE] [--partner-id ID] [--fintech-id ID] [--token tok_...] [--endpoint PATH] [--decision allow|deny|error] [--from ISO] [--to ISO]',
};

/** Reading and verifying the trail needs no keys: only the database. */
function openDatabase(env: AuditCliIo['env']) {
  return openDatabaseFromEnv(env);
}

function positiveInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value) || Number(value) < 1) throw new UsageError(`--${name} must be a positive integer`);
  return Number(value);
}

class UsageError extends Error {}

/** Runs `audit <command>` with explicit arguments and I/O (the CLI entry and the tests use it). */
export async function auditCli(command: string, argv: string[], io: AuditCliIo): Promise<number> {
  try {
    if (command === 'verify') return await verify(argv, io);
    if (command === 'export') return await exportCommand(argv, io);
    io.err(`unknown command "audit ${command}"; one of: verify, export`);
    return 2;
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`${(err as Error).message}\n${USAGE[command as keyof typeof USAGE] ?? ''}`);
      return 2;
    }
    throw err;
  }
}

async function verify(argv: string[], io: AuditCliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { 'from-seq': { type: 'string' }, 'to-seq': { type: 'string' } },
    strict: true,
  });
  const fromSeq = positiveInt(values['from-seq'], 'from-seq');
  const toSeq = positiveInt(values['to-seq'], 'to-seq');
  const handle = await openDatabase(io.env);
  try {
    const result = await verifyChain(handle.db, { fromSeq, toSeq });
    io.out(JSON.stringify(result));
    io.err(
      result.ok
        ? `PASS: ${result.checked} record(s) checked, chain intact`
        : `FAIL at seq ${result.first_bad_seq} (${result.reason}): ${result.message}`,
    );
    return result.ok ? 0 : 1;
  } finally {
    await handle.close();
  }
}

const DECISIONS = ['allow', 'deny', 'error'];

async function exportCommand(argv: string[], io: AuditCliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      format: { type: 'string', default: 'jsonl' },
      out: { type: 'string' },
      'partner-id': { type: 'string' },
      'fintech-id': { type: 'string' },
      token: { type: 'string' },
      endpoint: { type: 'string' },
      decision: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
    },
    strict: true,
  });
  const format = values.format as ExportFormat;
  if (format !== 'jsonl' && format !== 'csv') throw new UsageError('--format must be jsonl or csv');
  if (values.decision !== undefined && !DECISIONS.includes(values.decision)) {
    throw new UsageError('--decision must be allow, deny or error');
  }
  if (values.token !== undefined && !values.token.startsWith('tok_')) {
    throw new UsageError('--token takes a gateway token id (tok_...), never the token itself');
  }
  const instant = (v: string | undefined, name: string) => {
    if (v === undefined) return undefined;
    const d = new Date(v);
    if (Number.isNaN(d.getTime())) throw new UsageError(`--${name} must be an ISO-8601 date or date-time`);
    return d.toISOString();
  };
  const filters: AuditFilters = {
    partnerId: values['partner-id'],
    fintechId: values['fintech-id'],
    tokenId: values.token,
    endpoint: values.endpoint,
    decision: values.decision as Decision | undefined,
    from: instant(values.from, 'from'),
    to: instant(values.to, 'to'),
  };
  const handle = await openDatabase(io.env);
  const target: Writable = values.out ? createWriteStream(values.out) : io.stdout;
  let bytes = 0;
  try {
    for await (const chunk of exportChunks(handle.db, filters, format)) {
      bytes += Buffer.byteLength(chunk);
      if (!target.write(chunk)) await once(target, 'drain');
    }
  } finally {
    if (values.out) {
      target.end();
      await once(target, 'finish');
    }
    await handle.close();
  }
  if (values.out) io.err(`wrote ${bytes} bytes of ${format} to ${values.out}`);
  return 0;
}

/** The dispatcher's entry points (src/cli/run.ts): the context carries the environment and the output. */
export const commands: Record<string, Command> = {
  verify: (ctx) => auditCli('verify', ctx.argv, ctx),
  export: (ctx) => auditCli('export', ctx.argv, ctx),
};
