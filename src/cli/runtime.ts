/**
 * The CLI's runtime: the configuration, keys and database `npm start` would
 * use, read from the environment (DATABASE_URL or PGLITE_DATA_DIR;
 * GATEWAY_ENCRYPTION_KEY, or against the emulator the development keys beside
 * the PGlite directory), and the app's deps built on them for one command.
 * No server needs to run, and no command here calls Plaid.
 */
import { buildConfig, parseEnv, type GatewayConfig } from '../config';
import type { AppDeps } from '../context';
import { createLogger } from '../lib/logger';
import { buildNodeDeps, openNodeDatabase } from '../node/deps';
import { devKeysFile, loadOrCreateDevKeys } from '../node/dev-keys';

export type CliEnv = Record<string, string | undefined>;

export function cliConfig(env: CliEnv): GatewayConfig {
  const parsed = parseEnv(env);
  const devKeys =
    parsed.PLAID_ENV === 'emulator' && (!parsed.GATEWAY_ADMIN_KEY || !parsed.GATEWAY_ENCRYPTION_KEY)
      ? loadOrCreateDevKeys(devKeysFile(env, parsed.PGLITE_DATA_DIR)).keys
      : undefined;
  const config = buildConfig(parsed, devKeys);
  return {
    ...config,
    // Against the emulator, where `npm start` runs it. Only named: the operator
    // API and the key commands never call Plaid, so nothing connects to it.
    plaidBaseUrl: config.plaidBaseUrl ?? `http://127.0.0.1:${config.emulatorPort}`,
    // A CLI run is not a server: no intent sweep and no webhook polling beside it.
    intentSweepMs: 0,
    webhooks: { ...config.webhooks, pollMs: 0 },
    // stdout carries only the command's result; the logger writes warnings and errors to stderr.
    logLevel: config.logLevel === 'debug' || config.logLevel === 'info' ? 'warn' : config.logLevel,
  };
}

/** Opens the database (migrating it, as the server does), runs `use` on the deps, then closes everything. */
export async function withCliDeps<T>(env: CliEnv, use: (deps: AppDeps) => Promise<T>): Promise<T> {
  const config = cliConfig(env);
  const handle = await openNodeDatabase(config);
  const deps = buildNodeDeps(config, handle, { log: createLogger(config.logLevel), metrics: undefined });
  try {
    return await use(deps);
  } finally {
    // The writer flushes what is queued before the database closes.
    await deps.webhooks.close();
    await deps.audit.close();
    await deps.upstream.close?.();
    await handle.close();
  }
}
