/**
 * `npm run cli -- partners|fintechs|auditors <command> [--flags]`: each command
 * is one request to the operator API (src/cli/operator-api.ts), so what is
 * valid, what changes and what is audited are the API's rules, stated once in
 * src/routes/admin/. This file only turns flags into a request and the answer
 * into output: the result as JSON on stdout (exit 0), a refusal as Plaid-shaped
 * JSON on stderr (exit 1), usage errors on stderr (exit 2).
 */
import { booleanFlag, own, parseFlags, printPlaidError, stringFlag, usageError, type FlagSpec, type Flags } from './args';
import type { Command, CliIo } from './io';
import { operatorApi, type ApiAnswer, type ApiCall, type OperatorApi } from './operator-api';
import { withCliDeps } from './runtime';

interface TenancyCommand extends FlagSpec {
  /** The id flag of commands on one tenant, which also take the id as the first argument. */
  idFlag?: string;
  request(flags: Flags, id: string): ApiCall;
}

/** The body fields of a create or an update, from the flags given (JSON drops the ones not given). */
interface BodySpec extends FlagSpec {
  body(flags: Flags): Record<string, unknown>;
}

// Flag values become JSON values; a value that does not convert is sent as given, for the API to refuse.

function list(value: string | boolean | undefined): string[] | undefined {
  if (typeof value !== 'string') return undefined;
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function json(value: string | boolean | undefined): unknown {
  if (typeof value !== 'string') return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function bool(value: string | boolean | undefined): unknown {
  if (value === 'true' || value === 'false') return value === 'true';
  return value;
}

function text(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The seven commands every tenant kind has, each one operator API call. */
function tenancyGroup(
  resource: 'partners' | 'fintechs' | 'auditors',
  create: BodySpec,
  update: BodySpec,
): Record<string, TenancyCommand> {
  const idFlag = `${resource.slice(0, -1)}-id`;
  const idName = `<${idFlag.replace('-', '_')}>`;
  const collection = `/admin/${resource}`;
  const one = (id: string) => `${collection}/${encodeURIComponent(id)}`;
  const byId = { [idFlag]: stringFlag };
  const setDisabled = (disabled: boolean): TenancyCommand => ({
    usage: `${resource} ${disabled ? 'disable' : 'enable'} ${idName}`,
    options: byId,
    idFlag,
    request: (_f, id) => ({ method: 'PATCH', path: one(id), body: { disabled } }),
  });
  return {
    create: {
      usage: `${resource} create ${create.usage}`,
      options: create.options,
      request: (f) => ({ method: 'POST', path: collection, body: create.body(f) }),
    },
    list: { usage: `${resource} list`, options: {}, request: () => ({ method: 'GET', path: collection }) },
    get: { usage: `${resource} get ${idName}`, options: byId, idFlag, request: (_f, id) => ({ method: 'GET', path: one(id) }) },
    update: {
      usage: `${resource} update ${idName} ${update.usage}`,
      options: { ...byId, ...update.options },
      idFlag,
      request: (f, id) => ({ method: 'PATCH', path: one(id), body: update.body(f) }),
    },
    'rotate-secret': {
      usage: `${resource} ${resource === 'auditors' ? 'rotate-key' : 'rotate-secret'} ${idName}`,
      options: byId,
      idFlag,
      request: (_f, id) => ({ method: 'POST', path: `${one(id)}/rotate_secret`, body: {} }),
    },
    disable: setDisabled(true),
    enable: setDisabled(false),
  };
}

const partners = tenancyGroup(
  'partners',
  {
    usage: '--name N --processor P --plaid-client-id ID --plaid-secret S [--products a,b] [--rate-limits JSON]',
    options: { name: stringFlag, processor: stringFlag, 'plaid-client-id': stringFlag, 'plaid-secret': stringFlag, products: stringFlag, 'rate-limits': stringFlag },
    body: (f) => ({
      name: text(f.name),
      processor: text(f.processor),
      plaid: { client_id: text(f['plaid-client-id']), secret: text(f['plaid-secret']) },
      products: list(f.products),
      rate_limits: json(f['rate-limits']),
    }),
  },
  {
    usage: '[--name N] [--products a,b] [--rate-limits JSON] [--disabled true|false] [--plaid-client-id ID] [--plaid-secret S]',
    options: { name: stringFlag, products: stringFlag, 'rate-limits': stringFlag, disabled: stringFlag, 'plaid-client-id': stringFlag, 'plaid-secret': stringFlag },
    body: (f) => ({
      name: text(f.name),
      products: list(f.products),
      rate_limits: json(f['rate-limits']),
      disabled: bool(f.disabled),
      // Only with a Plaid flag: `plaid: {}` would still name the field.
      plaid:
        f['plaid-client-id'] !== undefined || f['plaid-secret'] !== undefined
          ? { client_id: text(f['plaid-client-id']), secret: text(f['plaid-secret']) }
          : undefined,
    }),
  },
);

const fintechs = tenancyGroup(
  'fintechs',
  { usage: '--name N', options: { name: stringFlag }, body: (f) => ({ name: text(f.name) }) },
  {
    usage: '[--name N] [--disabled true|false]',
    options: { name: stringFlag, disabled: stringFlag },
    body: (f) => ({ name: text(f.name), disabled: bool(f.disabled) }),
  },
);

const auditors = tenancyGroup(
  'auditors',
  {
    usage: '--name N [--partner-id ptn_...]',
    options: { name: stringFlag, 'partner-id': stringFlag },
    body: (f) => ({ name: text(f.name), partner_id: text(f['partner-id']) }),
  },
  {
    usage: '[--name N] [--partner-id ptn_... | --all-partners] [--disabled true|false]',
    options: { name: stringFlag, 'partner-id': stringFlag, 'all-partners': booleanFlag, disabled: stringFlag },
    body: (f) => ({
      name: text(f.name),
      // null: every partner.
      partner_id: f['all-partners'] ? null : text(f['partner-id']),
      disabled: bool(f.disabled),
    }),
  },
);
// An auditor's secret is its key: both names work.
auditors['rotate-key'] = auditors['rotate-secret']!;

export const TENANCY_GROUPS = { partners, fintechs, auditors };
export type TenancyGroup = keyof typeof TENANCY_GROUPS;

/** The API call a command line makes, or the exit code of its usage error (reported on `io`). */
export function tenancyRequest(group: TenancyGroup, command: string, argv: string[], io: CliIo): ApiCall | 2 {
  const spec = own(TENANCY_GROUPS[group], command);
  if (!spec) {
    io.err(`unknown command "${group} ${command}"; one of: ${Object.keys(TENANCY_GROUPS[group]).join(', ')}`);
    return 2;
  }
  const parsed = parseFlags(spec, argv, io);
  if (!parsed) return 2;
  const id = parsed.positionals[0] ?? text(spec.idFlag ? parsed.flags[spec.idFlag] : undefined) ?? '';
  if (spec.idFlag && !id) return usageError(io, `the ${spec.idFlag.replace('-', '_')} is required`, spec.usage);
  return spec.request(parsed.flags, id);
}

/** Prints the API's answer: the result without its request_id (exit 0), or the error (exit 1). */
export function printAnswer(answer: ApiAnswer, io: CliIo): 0 | 1 {
  if (answer.status >= 400) return printPlaidError(io, answer.body as Parameters<typeof printPlaidError>[1]);
  const { request_id: _requestId, ...result } = answer.body;
  io.out(JSON.stringify(result, null, 2));
  return 0;
}

/** Runs one command line against an operator API (the process's, or a test's). */
export async function runTenancyCommand(
  api: OperatorApi,
  group: TenancyGroup,
  command: string,
  argv: string[],
  io: CliIo,
): Promise<number> {
  const call = tenancyRequest(group, command, argv, io);
  if (call === 2) return 2;
  return printAnswer(await api.request(call), io);
}

/** The dispatcher's commands: the database is opened only for a command line that parsed. */
function commandsOf(group: TenancyGroup): Record<string, Command> {
  const command =
    (name: string): Command =>
    async (ctx) => {
      const call = tenancyRequest(group, name, ctx.argv, ctx);
      if (call === 2) return 2;
      return withCliDeps(ctx.env, async (deps) => printAnswer(await operatorApi(deps).request(call), ctx));
    };
  return Object.fromEntries(Object.keys(TENANCY_GROUPS[group]).map((name) => [name, command(name)]));
}

export const commands = {
  partners: commandsOf('partners'),
  fintechs: commandsOf('fintechs'),
  auditors: commandsOf('auditors'),
};
