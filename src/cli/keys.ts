/**
 * `npm run cli -- keys rotate|status`: encryption-key rotation.
 *
 * GATEWAY_ENCRYPTION_KEY=`new:<base64>,old:<base64>` (first = current), then
 * `keys rotate` re-seals every sealed value (src/tenancy/rotation.ts) under the
 * current key; `keys status` shows how many sealed values each key id holds,
 * so an old key can be dropped once it holds nothing.
 *
 * Rotation has no operator API (it needs every configured key, which only the
 * host holds), so it runs here on the database and records its own audit
 * record: actor operator/cli, method CLI.
 */
import type { AppDeps } from '../context';
import { requestId } from '../lib/ids';
import { PlaidError } from '../plaid/errors';
import { rotateKeys, sealedKeyUsage } from '../tenancy/rotation';
import { own, parseFlags, printPlaidError, stringFlag, type FlagSpec, type Flags } from './args';
import type { Command, CliIo } from './io';
import { withCliDeps } from './runtime';

export type KeysDeps = Pick<AppDeps, 'db' | 'keyring' | 'audit'>;

interface KeysCommand extends FlagSpec {
  run(deps: KeysDeps, flags: Flags): Promise<{ result: unknown; details?: Record<string, unknown> }>;
}

export const KEY_COMMANDS: Record<string, KeysCommand> = {
  rotate: {
    usage: 'keys rotate [--batch-size N]',
    options: { 'batch-size': stringFlag },
    async run(deps, f) {
      const batchSize = typeof f['batch-size'] === 'string' ? Number(f['batch-size']) : undefined;
      const report = await rotateKeys(deps, { batchSize: batchSize && batchSize > 0 ? batchSize : undefined });
      return {
        result: { ...report, configured_key_ids: deps.keyring.keyIds, usage: await sealedKeyUsage(deps.db) },
        details: { current_key_id: report.currentKeyId, partners: report.partners, tokens: report.tokens },
      };
    },
  },
  status: {
    usage: 'keys status',
    options: {},
    async run(deps) {
      return {
        result: {
          current_key_id: deps.keyring.currentKeyId,
          configured_key_ids: deps.keyring.keyIds,
          usage: await sealedKeyUsage(deps.db),
        },
      };
    },
  },
};

/** The command and its flags, or the exit code of a usage error (reported on `io`). */
function parseKeysCommand(command: string, argv: string[], io: CliIo): { spec: KeysCommand; flags: Flags } | 2 {
  const spec = own(KEY_COMMANDS, command);
  if (!spec) {
    io.err(`unknown command "keys ${command}"; one of: ${Object.keys(KEY_COMMANDS).join(', ')}`);
    return 2;
  }
  const parsed = parseFlags(spec, argv, io);
  return parsed ? { spec, flags: parsed.flags } : 2;
}

async function execute(deps: KeysDeps, command: string, spec: KeysCommand, flags: Flags, io: CliIo): Promise<number> {
  const occurredAt = new Date().toISOString();
  const started = performance.now();
  try {
    const { result, details } = await spec.run(deps, flags);
    if (details) await deps.audit.append(keysRecord(command, details, occurredAt, started));
    io.out(JSON.stringify(result, null, 2));
    return 0;
  } catch (e) {
    if (e instanceof PlaidError) return printPlaidError(io, { error_type: e.type, error_code: e.code, error_message: e.message });
    throw e;
  }
}

/** The audit record of a key change made on the host. */
function keysRecord(
  command: string,
  details: Record<string, unknown>,
  occurredAt: string,
  started: number,
): Parameters<KeysDeps['audit']['append']>[0] {
  return {
    occurredAt,
    requestId: requestId(),
    actorType: 'operator',
    actorId: 'cli',
    partnerId: null,
    fintechId: null,
    tokenId: null,
    action: `keys.${command}`,
    method: 'CLI',
    endpoint: `cli keys ${command}`,
    product: null,
    decision: 'allow',
    reason: null,
    httpStatus: 0,
    plaidRequestId: null,
    plaidStatus: null,
    latencyMs: Math.max(0, Math.round(performance.now() - started)),
    clientIp: null,
    userAgent: 'gateway-cli',
    details,
  };
}

/** Runs one `keys` command line against `deps` (the process's, or a test's). */
export async function runKeysCommand(deps: KeysDeps, command: string, argv: string[], io: CliIo): Promise<number> {
  const parsed = parseKeysCommand(command, argv, io);
  if (parsed === 2) return 2;
  return execute(deps, command, parsed.spec, parsed.flags, io);
}

export const commands: Record<string, Command> = Object.fromEntries(
  Object.keys(KEY_COMMANDS).map((name): [string, Command] => [
    name,
    async (ctx) => {
      const parsed = parseKeysCommand(name, ctx.argv, ctx);
      if (parsed === 2) return 2;
      return withCliDeps(ctx.env, (deps) => execute(deps, name, parsed.spec, parsed.flags, ctx));
    },
  ]),
);
