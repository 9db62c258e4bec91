/**
 * `npm start`: the gateway as a Node server, with PGlite (unless DATABASE_URL)
 * and, when PLAID_ENV=emulator without PLAID_BASE_URL, the embedded Plaid
 * emulator beside it (with PLAID_BASE_URL set, that URL is the upstream).
 */
import { createApp } from '../app';
import { buildConfig, ConfigError, parseEnv } from '../config';
import { createEmulatorApp, DEMO_CLIENT, parseEmulatorClients } from '../emulator/app';
import { requestId } from '../lib/ids';
import { createLogger } from '../lib/logger';
import { devKeysFile, loadOrCreateDevKeys } from './dev-keys';
import { buildNodeDeps, openNodeDatabase } from './deps';
import { closeServer, listen } from './serve';

async function main() {
  const env = parseEnv(process.env);
  const log = createLogger(env.LOG_LEVEL);
  const host = process.env.HOST || '0.0.0.0';

  let devKeys;
  if (env.PLAID_ENV === 'emulator' && (!env.GATEWAY_ADMIN_KEY || !env.GATEWAY_ENCRYPTION_KEY)) {
    const file = devKeysFile(process.env, env.PGLITE_DATA_DIR);
    const loaded = loadOrCreateDevKeys(file);
    devKeys = loaded.keys;
    console.warn(
      `\n  WARNING: development keys ${loaded.created ? 'generated' : 'loaded'} from ${file}.\n` +
        `  Never use them in production: set GATEWAY_ADMIN_KEY and GATEWAY_ENCRYPTION_KEY.\n` +
        (env.GATEWAY_ADMIN_KEY ? '' : `  GATEWAY_ADMIN_KEY=${devKeys.adminKey}\n`),
    );
  }
  const config = buildConfig(env, devKeys);

  const closers: Array<() => Promise<void>> = [];
  if (config.plaidEnv === 'emulator' && !env.PLAID_BASE_URL) {
    const clients = parseEmulatorClients(env.EMULATOR_CLIENTS);
    const emulator = createEmulatorApp({ clients, rateLimits: env.EMULATOR_RATE_LIMITS === 'on' });
    const { server, url } = await listen(emulator, config.emulatorPort, '127.0.0.1');
    closers.push(() => closeServer(server));
    config.plaidBaseUrl ??= url;
    log.info('emulator listening', { url });
    if (!env.EMULATOR_CLIENTS) {
      console.warn(`  Emulator demo Plaid keys: client_id=${DEMO_CLIENT.clientId} secret=${DEMO_CLIENT.secret}\n`);
    }
  } else {
    log.info('upstream', { plaid: config.plaidBaseUrl, env: config.plaidEnv });
  }

  // Listen at once: /health (process up) answers while PGlite opens and the
  // migrations run; every other request waits for the app to be ready.
  const booting = (async () => {
    const handle = await openNodeDatabase(config);
    closers.push(() => handle.close());
    const deps = buildNodeDeps(config, handle, { log });
    // The delivery loop stops first (it writes audit records), then the writer, then upstream.
    closers.unshift(() => deps.webhooks.close(), () => deps.audit.close(), async () => deps.upstream.close?.());
    log.info('database ready', { database: handle.kind === 'pglite' ? `pglite:${config.pgliteDataDir}` : 'postgres' });
    return createApp(deps);
  })();
  let app: Awaited<typeof booting> | undefined;
  const fetch = async (request: Request, env: unknown) => {
    if (!app && new URL(request.url).pathname === '/health') {
      return Response.json({ status: 'ok', request_id: requestId() });
    }
    app ??= await booting;
    return app.fetch(request, env as Record<string, unknown>);
  };
  const { server, url } = await listen({ fetch }, config.port, host, config.server);
  closers.unshift(() => closeServer(server));
  // PORT=0 against the emulator: webhooks are registered under the port chosen now.
  config.publicUrl ??= url;
  log.info('gateway listening', { url, plaid: config.plaidBaseUrl });
  app = await booting;

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    for (const close of closers) await close().catch(() => {});
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error('failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
