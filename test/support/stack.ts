/**
 * The whole system for a test file, built the way the Node entry builds it:
 * a fresh migrated database, the Plaid emulator over real HTTP, and the gateway
 * app (optionally served over HTTP too, for the official plaid SDK).
 */
import type { ServerType } from '@hono/node-server';
import { createApp, type GatewayApp } from '../../src/app';
import { buildConfig, type GatewayConfig, parseEnv } from '../../src/config';
import type { AppDeps } from '../../src/context';
import { createEmulatorApp, type EmulatorClient, type EmulatorOptions } from '../../src/emulator/app';
import { base64url, randomBytes } from '../../src/lib/ids';
import { createLogger } from '../../src/lib/logger';
import { buildNodeDeps } from '../../src/node/deps';
import { closeServer, listen } from '../../src/node/serve';
import { openTestDatabase, testDatabaseAt, type TestDatabase } from './db';

export const TEST_PLAID_CLIENT: EmulatorClient = { clientId: 'test_plaid_client', secret: 'test_plaid_secret_value_000000' };
export const OTHER_PLAID_CLIENT: EmulatorClient = { clientId: 'other_plaid_client', secret: 'other_plaid_secret_value_0000' };

export interface EmulatorHandle {
  url: string;
  app: ReturnType<typeof createEmulatorApp>;
  close(): Promise<void>;
}

export async function startEmulator(options: Partial<EmulatorOptions> = {}): Promise<EmulatorHandle> {
  const app = createEmulatorApp({ clients: [TEST_PLAID_CLIENT, OTHER_PLAID_CLIENT], rateLimits: false, ...options });
  const { server, url } = await listen(app, 0);
  return {
    url,
    app,
    close: async () => {
      // Pending webhook retries would otherwise fire minutes after the test closed.
      app.emulator.webhooks.cancelRetries();
      await closeServer(server);
    },
  };
}

export function testConfig(overrides: Record<string, string> = {}): GatewayConfig {
  return buildConfig(
    parseEnv({
      PLAID_ENV: 'emulator',
      GATEWAY_ADMIN_KEY: `test_admin_${base64url(randomBytes(24))}`,
      GATEWAY_ENCRYPTION_KEY: `t1:${btoa(String.fromCharCode(...randomBytes(32)))}`,
      LOG_LEVEL: 'silent',
      // No background sweep in tests (it would add statements at random moments);
      // tests that need it run foldStaleIntents() or the real server.
      AUDIT_INTENT_SWEEP_MS: '0',
      // Nor a delivery poll: queued webhooks wake the delivery loop themselves.
      WEBHOOK_DELIVERY_POLL_MS: '0',
      ...overrides,
    }),
  );
}

export interface TestStack {
  app: GatewayApp;
  deps: AppDeps;
  db: TestDatabase;
  config: GatewayConfig;
  adminKey: string;
  emulator: EmulatorHandle;
  /** Base URL of the gateway over HTTP (when started with `http: true`). */
  url: string;
  /** A second app instance on the same database (Postgres or PGlite), for cross-instance tests. */
  close(): Promise<void>;
}

export interface StackOptions {
  http?: boolean;
  emulator?: Partial<EmulatorOptions> | EmulatorHandle;
  env?: Record<string, string>;
  deps?: Partial<AppDeps>;
  db?: TestDatabase;
}

export async function startTestStack(options: StackOptions = {}): Promise<TestStack> {
  const emulator =
    options.emulator && 'url' in options.emulator ? options.emulator : await startEmulator(options.emulator);
  const ownsEmulator = !(options.emulator && 'url' in options.emulator);
  const db = options.db ?? (await openTestDatabase());
  const config = testConfig({ PLAID_BASE_URL: emulator.url, ...options.env });
  const deps = buildNodeDeps(config, db, { log: createLogger('silent'), ...options.deps });
  const app = createApp(deps);
  let server: ServerType | undefined;
  let url = '';
  if (options.http) ({ server, url } = await listen(app, 0, '127.0.0.1', config.server));
  // Plaid (the emulator) sends this gateway's webhooks to the port just chosen.
  if (url && !options.env?.GATEWAY_PUBLIC_URL) config.publicUrl = url;
  return {
    app,
    deps,
    db,
    config,
    adminKey: config.adminKey,
    emulator,
    url,
    async close() {
      if (server) await closeServer(server);
      await deps.webhooks.close();
      await deps.audit.close();
      await deps.upstream.close?.();
      if (!options.db) await db.close();
      if (ownsEmulator) await emulator.close();
    },
  };
}

/**
 * Two gateway instances on one database, with the same operator and encryption
 * keys (as a real deployment has) and the same emulator behind them. Postgres:
 * one connection pool per instance; PGlite (one in-process connection): the
 * handle is shared. `startSecond` builds instance B (a test may pass a
 * startTestStack from a fresh evaluation of the modules, so not even
 * module-level state is shared).
 */
export async function startTwoInstances(
  options: { http?: boolean; startSecond?: typeof startTestStack; env?: Record<string, string> } = {},
): Promise<{ a: TestStack; b: TestStack; close(): Promise<void> }> {
  const env = {
    ...options.env,
    GATEWAY_ADMIN_KEY: `test_admin_${base64url(randomBytes(24))}`,
    GATEWAY_ENCRYPTION_KEY: `t1:${btoa(String.fromCharCode(...randomBytes(32)))}`,
  };
  const db = await openTestDatabase();
  const a = await startTestStack({ db, env, http: options.http });
  const second: TestDatabase | undefined = db.url ? testDatabaseAt(db.url) : undefined;
  const b = await (options.startSecond ?? startTestStack)({ db: second ?? db, env, http: options.http, emulator: a.emulator });
  return {
    a,
    b,
    async close() {
      await b.close();
      await a.close();
      await second?.close();
      await db.close();
    },
  };
}

/** JSON request to the app (no HTTP), returning status, body and headers. */
export async function call(
  app: GatewayApp,
  method: string,
  path: string,
  init: { body?: unknown; headers?: Record<string, string>; rawBody?: string } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await app.request(path, {
    method,
    headers: { 'content-type': 'application/json', ...init.headers },
    body: init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON (HTML pages, CSV) */
  }
  return { status: res.status, body, headers: res.headers };
}

export function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}
