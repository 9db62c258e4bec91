/**
 * `npm run cli -- keys rotate|status`: encryption-key rotation.
 *
 * GATEWAY_ENCRYPTION_KEY=`new:<base64>,old:<base64>` (first = current), then
 * `keys rotate` re-seals every partner Plaid secret and raw processor token under
 * the current key; `keys status` shows how many sealed values each key id holds,
 * so an old key can be dropped once it holds nothing.
 */
import { rotateKeys, sealedKeyUsage } from '../tenancy/rotation';
import type { CliContext } from './main';
import { openCliDeps, runSpec, type CliDeps } from './tenancy';

export const KEY_COMMANDS = {
  rotate: {
    usage: 'keys rotate [--batch-size N]',
    options: { 'batch-size': { type: 'string' as const } },
    async run(deps: CliDeps, _p: string[], f: Record<string, string | boolean | undefined>) {
      const batchSize = typeof f['batch-size'] === 'string' ? Number(f['batch-size']) : undefined;
      const report = await rotateKeys(deps, { batchSize: batchSize && batchSize > 0 ? batchSize : undefined });
      return {
        result: { ...report, configured_key_ids: deps.keyring.keyIds, usage: await sealedKeyUsage(deps.db) },
        audit: {
          action: 'keys.rotate',
          details: { current_key_id: report.currentKeyId, partners: report.partners, tokens: report.tokens },
        },
      };
    },
  },
  status: {
    usage: 'keys status',
    options: {},
    async run(deps: CliDeps) {
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

export async function runKeysCommand(
  deps: CliDeps,
  command: string,
  argv: string[],
  io: { out: (line: string) => void; err?: (line: string) => void },
): Promise<number> {
  const err = io.err ?? ((line: string) => console.error(line));
  const spec = KEY_COMMANDS[command as keyof typeof KEY_COMMANDS];
  if (!spec) {
    err(`unknown command "keys ${command}"; one of: ${Object.keys(KEY_COMMANDS).join(', ')}`);
    return 2;
  }
  return runSpec(deps, spec, argv, io.out, err, `keys ${command}`);
}

export const commands = Object.fromEntries(
  Object.keys(KEY_COMMANDS).map((name) => [
    name,
    async (ctx: CliContext) => {
      const opened = await openCliDeps();
      try {
        return await runKeysCommand(opened.deps, name, ctx.argv ?? process.argv.slice(4), { out: ctx.out });
      } finally {
        await opened.close();
      }
    },
  ]),
);
