/**
 * `npm run cli -- partners|fintechs|auditors <command> [--flags]`: the operator
 * API's operations straight on the database, through the same service functions
 * and the same input schemas as /admin/*. Results are printed as JSON; errors
 * are Plaid-shaped JSON on stderr with exit code 1. Every change is appended to
 * the audit trail (actor operator/cli, method CLI).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { AuditSink } from '../audit/writer';
import { buildConfig, parseEnv, type GatewayConfig } from '../config';
import type { Database } from '../db/database';
import { requestId } from '../lib/ids';
import { devKeysFile, loadOrCreateDevKeys } from '../node/dev-keys';
import { PlaidError } from '../plaid/errors';
import {
  CreateAuditorBody,
  CreateFintechBody,
  CreatePartnerBody,
  UpdateAuditorBody,
  UpdateFintechBody,
  UpdatePartnerBody,
} from '../routes/admin/schemas';
import { createAuditor, getAuditor, listAuditors, rotateAuditorKey, updateAuditor } from '../tenancy/auditors';
import type { Keyring } from '../tenancy/crypto';
import { createFintech, getFintech, listFintechs, rotateFintechSecret, updateFintech } from '../tenancy/fintechs';
import { createPartner, getPartner, listPartners, rotatePartnerSecret, updatePartner } from '../tenancy/partners';
import { parseOrThrow } from '../tenancy/schemas';
import type { CliContext } from './main';

export interface CliDeps {
  db: Database;
  keyring: Keyring;
  /** Where changes are recorded; omitted only in unit tests that do not care. */
  audit?: AuditSink;
  clock?: () => Date;
}

export interface OpenedCliDeps {
  deps: CliDeps;
  config: GatewayConfig;
  close(): Promise<void>;
}

/**
 * Opens the database and keys the way `npm start` does: DATABASE_URL or
 * PGLITE_DATA_DIR, GATEWAY_ENCRYPTION_KEY (or, against the emulator, the
 * development keys kept beside the PGlite directory).
 */
export async function openCliDeps(env: NodeJS.ProcessEnv = process.env): Promise<OpenedCliDeps> {
  const { openNodeDatabase } = await import('../node/deps');
  const { createAuditWriter } = await import('../audit/postgres-writer');
  const { Keyring } = await import('../tenancy/crypto');
  const parsed = parseEnv(env);
  let devKeys;
  if (parsed.PLAID_ENV === 'emulator' && (!parsed.GATEWAY_ADMIN_KEY || !parsed.GATEWAY_ENCRYPTION_KEY)) {
    devKeys = loadOrCreateDevKeys(devKeysFile(env, parsed.PGLITE_DATA_DIR)).keys;
  }
  const config = buildConfig(parsed, devKeys);
  const handle = await openNodeDatabase(config);
  const audit = createAuditWriter(handle.db);
  return {
    deps: { db: handle.db, keyring: new Keyring(config.encryptionKeys), audit },
    config,
    async close() {
      await audit.close();
      await handle.close();
    },
  };
}

type Flags = Record<string, string | boolean | undefined>;
type Run = (deps: CliDeps, positionals: string[], flags: Flags) => Promise<{ result: unknown; audit?: AuditNote }>;

interface AuditNote {
  action: string;
  partnerId?: string | null;
  fintechId?: string | null;
  details?: Record<string, unknown>;
}

interface CommandSpec {
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run: Run;
}

const str = { type: 'string' } as const;
const bool = { type: 'boolean' } as const;

function list(value: string | boolean | undefined): string[] | undefined {
  if (typeof value !== 'string') return undefined;
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function json(value: string | boolean | undefined, flag: string): unknown {
  if (typeof value !== 'string') return undefined;
  try {
    return JSON.parse(value);
  } catch {
    throw new PlaidError({ type: 'INVALID_REQUEST', code: 'INVALID_FIELD', message: `--${flag} must be JSON` });
  }
}

function bool3(value: string | boolean | undefined, flag: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === true || value === 'true') return true;
  if (value === 'false') return false;
  throw new PlaidError({ type: 'INVALID_REQUEST', code: 'INVALID_FIELD', message: `--${flag} must be true or false` });
}

function idArg(positionals: string[], flags: Flags, flag: string): string {
  const id = positionals[0] ?? (typeof flags[flag] === 'string' ? (flags[flag] as string) : undefined);
  if (!id) throw new PlaidError({ type: 'INVALID_REQUEST', code: 'MISSING_FIELDS', message: `the ${flag.replace('-', '_')} is required` });
  return id;
}

/** Drops undefined values so schemas see only the flags given. */
function defined(input: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
}

function names(body: Record<string, unknown>): string[] {
  return Object.entries(body).flatMap(([k, v]) =>
    k === 'plaid' && v && typeof v === 'object' ? Object.keys(v).map((inner) => `plaid.${inner}`) : [k],
  );
}

const partnerCommands: Record<string, CommandSpec> = {
  create: {
    usage: 'partners create --name N --processor P --plaid-client-id ID --plaid-secret S [--products a,b] [--rate-limits JSON]',
    options: { name: str, processor: str, 'plaid-client-id': str, 'plaid-secret': str, products: str, 'rate-limits': str },
    async run(deps, _p, f) {
      const body = parseOrThrow(
        CreatePartnerBody,
        defined({
          name: f.name,
          processor: f.processor,
          plaid: defined({ client_id: f['plaid-client-id'], secret: f['plaid-secret'] }),
          products: list(f.products),
          rate_limits: json(f['rate-limits'], 'rate-limits'),
        }),
      );
      const partner = await createPartner(deps, body);
      return { result: partner, audit: { action: 'partner.create', partnerId: partner.partner_id, details: { fields: names(body) } } };
    },
  },
  list: {
    usage: 'partners list',
    options: {},
    run: async (deps) => ({ result: { partners: await listPartners(deps.db) } }),
  },
  get: {
    usage: 'partners get <partner_id>',
    options: { 'partner-id': str },
    run: async (deps, p, f) => ({ result: await getPartner(deps.db, idArg(p, f, 'partner-id')) }),
  },
  update: {
    usage:
      'partners update <partner_id> [--name N] [--products a,b] [--rate-limits JSON] [--disabled true|false] [--plaid-client-id ID] [--plaid-secret S]',
    options: {
      'partner-id': str,
      name: str,
      products: str,
      'rate-limits': str,
      disabled: str,
      'plaid-client-id': str,
      'plaid-secret': str,
    },
    async run(deps, p, f) {
      const id = idArg(p, f, 'partner-id');
      const plaid = defined({ client_id: f['plaid-client-id'], secret: f['plaid-secret'] });
      const body = parseOrThrow(
        UpdatePartnerBody,
        defined({
          name: f.name,
          products: list(f.products),
          rate_limits: json(f['rate-limits'], 'rate-limits'),
          disabled: bool3(f.disabled, 'disabled'),
          plaid: Object.keys(plaid).length > 0 ? plaid : undefined,
        }),
      );
      const { partner, changed } = await updatePartner(deps, id, body);
      return { result: partner, audit: { action: 'partner.update', partnerId: id, details: { changed } } };
    },
  },
  'rotate-secret': {
    usage: 'partners rotate-secret <partner_id>',
    options: { 'partner-id': str },
    async run(deps, p, f) {
      const partner = await rotatePartnerSecret(deps, idArg(p, f, 'partner-id'));
      return {
        result: partner,
        audit: { action: 'partner.rotate_secret', partnerId: partner.partner_id, details: { changed: ['secret'] } },
      };
    },
  },
  disable: {
    usage: 'partners disable <partner_id>',
    options: { 'partner-id': str },
    async run(deps, p, f) {
      const { partner, changed } = await updatePartner(deps, idArg(p, f, 'partner-id'), { disabled: true });
      return { result: partner, audit: { action: 'partner.update', partnerId: partner.partner_id, details: { changed } } };
    },
  },
  enable: {
    usage: 'partners enable <partner_id>',
    options: { 'partner-id': str },
    async run(deps, p, f) {
      const { partner, changed } = await updatePartner(deps, idArg(p, f, 'partner-id'), { disabled: false });
      return { result: partner, audit: { action: 'partner.update', partnerId: partner.partner_id, details: { changed } } };
    },
  },
};

const fintechCommands: Record<string, CommandSpec> = {
  create: {
    usage: 'fintechs create --name N',
    options: { name: str },
    async run(deps, _p, f) {
      const body = parseOrThrow(CreateFintechBody, defined({ name: f.name }));
      const fintech = await createFintech(deps, body);
      return { result: fintech, audit: { action: 'fintech.create', fintechId: fintech.fintech_id, details: { fields: ['name'] } } };
    },
  },
  list: {
    usage: 'fintechs list',
    options: {},
    run: async (deps) => ({ result: { fintechs: await listFintechs(deps.db) } }),
  },
  get: {
    usage: 'fintechs get <fintech_id>',
    options: { 'fintech-id': str },
    run: async (deps, p, f) => ({ result: await getFintech(deps.db, idArg(p, f, 'fintech-id')) }),
  },
  update: {
    usage: 'fintechs update <fintech_id> [--name N] [--disabled true|false]',
    options: { 'fintech-id': str, name: str, disabled: str },
    async run(deps, p, f) {
      const id = idArg(p, f, 'fintech-id');
      const body = parseOrThrow(UpdateFintechBody, defined({ name: f.name, disabled: bool3(f.disabled, 'disabled') }));
      const { fintech, changed } = await updateFintech(deps, id, body);
      return { result: fintech, audit: { action: 'fintech.update', fintechId: id, details: { changed } } };
    },
  },
  'rotate-secret': {
    usage: 'fintechs rotate-secret <fintech_id>',
    options: { 'fintech-id': str },
    async run(deps, p, f) {
      const fintech = await rotateFintechSecret(deps, idArg(p, f, 'fintech-id'));
      return {
        result: fintech,
        audit: { action: 'fintech.rotate_secret', fintechId: fintech.fintech_id, details: { changed: ['secret'] } },
      };
    },
  },
  disable: {
    usage: 'fintechs disable <fintech_id>',
    options: { 'fintech-id': str },
    async run(deps, p, f) {
      const { fintech, changed } = await updateFintech(deps, idArg(p, f, 'fintech-id'), { disabled: true });
      return { result: fintech, audit: { action: 'fintech.update', fintechId: fintech.fintech_id, details: { changed } } };
    },
  },
  enable: {
    usage: 'fintechs enable <fintech_id>',
    options: { 'fintech-id': str },
    async run(deps, p, f) {
      const { fintech, changed } = await updateFintech(deps, idArg(p, f, 'fintech-id'), { disabled: false });
      return { result: fintech, audit: { action: 'fintech.update', fintechId: fintech.fintech_id, details: { changed } } };
    },
  },
};

const rotateAuditor: CommandSpec = {
  usage: 'auditors rotate-key <auditor_id>',
  options: { 'auditor-id': str },
  async run(deps, p, f) {
    const auditor = await rotateAuditorKey(deps, idArg(p, f, 'auditor-id'));
    return {
      result: auditor,
      audit: {
        action: 'auditor.rotate_secret',
        partnerId: auditor.partner_id,
        details: { auditor_id: auditor.auditor_id, changed: ['key'] },
      },
    };
  },
};

const auditorCommands: Record<string, CommandSpec> = {
  create: {
    usage: 'auditors create --name N [--partner-id ptn_...]',
    options: { name: str, 'partner-id': str },
    async run(deps, _p, f) {
      const body = parseOrThrow(CreateAuditorBody, defined({ name: f.name, partner_id: f['partner-id'] }));
      const auditor = await createAuditor(deps, body);
      return {
        result: auditor,
        audit: {
          action: 'auditor.create',
          partnerId: auditor.partner_id,
          details: { auditor_id: auditor.auditor_id, fields: Object.keys(body) },
        },
      };
    },
  },
  list: {
    usage: 'auditors list',
    options: {},
    run: async (deps) => ({ result: { auditors: await listAuditors(deps.db) } }),
  },
  get: {
    usage: 'auditors get <auditor_id>',
    options: { 'auditor-id': str },
    run: async (deps, p, f) => ({ result: await getAuditor(deps.db, idArg(p, f, 'auditor-id')) }),
  },
  update: {
    usage: 'auditors update <auditor_id> [--name N] [--partner-id ptn_... | --all-partners] [--disabled true|false]',
    options: { 'auditor-id': str, name: str, 'partner-id': str, 'all-partners': bool, disabled: str },
    async run(deps, p, f) {
      const id = idArg(p, f, 'auditor-id');
      const body = parseOrThrow(
        UpdateAuditorBody,
        defined({
          name: f.name,
          partner_id: f['all-partners'] ? null : f['partner-id'],
          disabled: bool3(f.disabled, 'disabled'),
        }),
      );
      const { auditor, changed } = await updateAuditor(deps, id, body);
      return {
        result: auditor,
        audit: { action: 'auditor.update', partnerId: auditor.partner_id, details: { auditor_id: id, changed } },
      };
    },
  },
  'rotate-key': rotateAuditor,
  'rotate-secret': rotateAuditor,
  disable: {
    usage: 'auditors disable <auditor_id>',
    options: { 'auditor-id': str },
    async run(deps, p, f) {
      const id = idArg(p, f, 'auditor-id');
      const { auditor, changed } = await updateAuditor(deps, id, { disabled: true });
      return { result: auditor, audit: { action: 'auditor.update', partnerId: auditor.partner_id, details: { auditor_id: id, changed } } };
    },
  },
  enable: {
    usage: 'auditors enable <auditor_id>',
    options: { 'auditor-id': str },
    async run(deps, p, f) {
      const id = idArg(p, f, 'auditor-id');
      const { auditor, changed } = await updateAuditor(deps, id, { disabled: false });
      return { result: auditor, audit: { action: 'auditor.update', partnerId: auditor.partner_id, details: { auditor_id: id, changed } } };
    },
  },
};

export const TENANCY_GROUPS = { partners: partnerCommands, fintechs: fintechCommands, auditors: auditorCommands };
export type TenancyGroup = keyof typeof TENANCY_GROUPS;

/**
 * Runs one command against `deps` (no process, no env): what the CLI entry and
 * the tests both call. Returns the exit code; output goes through `out`/`err`.
 */
export async function runTenancyCommand(
  deps: CliDeps,
  group: TenancyGroup,
  command: string,
  argv: string[],
  io: { out: (line: string) => void; err?: (line: string) => void },
): Promise<number> {
  const err = io.err ?? ((line: string) => console.error(line));
  const spec = TENANCY_GROUPS[group][command];
  if (!spec) {
    err(`unknown command "${group} ${command}"; one of: ${Object.keys(TENANCY_GROUPS[group]).join(', ')}`);
    return 2;
  }
  return runSpec(deps, spec, argv, io.out, err, `${group} ${command}`);
}

export async function runSpec(
  deps: CliDeps,
  spec: Pick<CommandSpec, 'usage' | 'options'> & { run: Run },
  argv: string[],
  out: (line: string) => void,
  err: (line: string) => void,
  label: string,
): Promise<number> {
  let positionals: string[];
  let values: Flags;
  try {
    const parsed = parseArgs({ args: argv, options: spec.options, allowPositionals: true, strict: true });
    positionals = parsed.positionals;
    values = parsed.values as Flags;
  } catch (e) {
    err(`${e instanceof Error ? e.message : String(e)}\nusage: npm run cli -- ${spec.usage}`);
    return 2;
  }
  const started = performance.now();
  const occurredAt = (deps.clock ? deps.clock() : new Date()).toISOString();
  try {
    const { result, audit } = await spec.run(deps, positionals, values);
    if (audit && deps.audit) {
      await deps.audit.append({
        occurredAt,
        requestId: requestId(),
        actorType: 'operator',
        actorId: 'cli',
        partnerId: audit.partnerId ?? null,
        fintechId: audit.fintechId ?? null,
        tokenId: null,
        action: audit.action,
        method: 'CLI',
        endpoint: `cli ${label}`,
        product: null,
        decision: 'allow',
        reason: null,
        httpStatus: 0,
        plaidRequestId: null,
        plaidStatus: null,
        latencyMs: Math.max(0, Math.round(performance.now() - started)),
        clientIp: null,
        userAgent: 'gateway-cli',
        details: audit.details ?? {},
      });
    }
    out(JSON.stringify(result, null, 2));
    return 0;
  } catch (e) {
    if (e instanceof PlaidError) {
      err(JSON.stringify({ error_type: e.type, error_code: e.code, error_message: e.message }, null, 2));
      return 1;
    }
    throw e;
  }
}

/** The dispatcher's view: one command map per group, each opening the database itself. */
function commandsFor(group: TenancyGroup) {
  return Object.fromEntries(
    Object.keys(TENANCY_GROUPS[group]).map((name) => [
      name,
      async (ctx: CliContext) => {
        const opened = await openCliDeps();
        try {
          return await runTenancyCommand(opened.deps, group, name, ctx.argv ?? process.argv.slice(4), { out: ctx.out });
        } finally {
          await opened.close();
        }
      },
    ]),
  );
}

export const partners = commandsFor('partners');
export const fintechs = commandsFor('fintechs');
export const auditors = commandsFor('auditors');
