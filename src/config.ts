import { intentGraceMs } from './audit/intents';
import { z } from 'zod';
import { parseTrustedProxies, type TrustedProxies } from './lib/client-address';

/**
 * Configuration, parsed once from the environment (process.env in Node, the
 * Worker's `env` bindings on Workers). Errors name the variable and what is wrong.
 */
const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const emptyAsUndefined = (v: unknown) => (v === '' ? undefined : v);

export const PLAID_BASE_URLS = {
  sandbox: 'https://sandbox.plaid.com',
  production: 'https://production.plaid.com',
} as const;

export const EnvSchema = z.object({
  DATABASE_URL: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
  ),
  PGLITE_DATA_DIR: z.preprocess(emptyAsUndefined, z.string().default('.data/pglite')),
  PLAID_ENV: z.preprocess(emptyAsUndefined, z.enum(['emulator', 'sandbox', 'production']).default('emulator')),
  PLAID_BASE_URL: z.preprocess(emptyAsUndefined, z.url().optional()),
  GATEWAY_ADMIN_KEY: z.preprocess(
    emptyAsUndefined,
    z.string().min(24, 'must be at least 24 characters (use a long random value)').optional(),
  ),
  GATEWAY_ENCRYPTION_KEY: z.preprocess(emptyAsUndefined, z.string().optional()),
  PORT: port(8787),
  EMULATOR_PORT: port(8788),
  EMULATOR_CLIENTS: z.preprocess(emptyAsUndefined, z.string().optional()),
  EMULATOR_RATE_LIMITS: z.preprocess(emptyAsUndefined, z.enum(['on', 'off']).default('on')),
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(1024 * 1024),
  /** Cap on the bytes of request bodies being read at once (they are read before authentication). */
  MAX_INFLIGHT_BODY_BYTES: z.coerce.number().int().min(64 * 1024).default(64 * 1024 * 1024),
  UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
  /** Bound on the hot path's database statements (admission, audit append): past it, API_ERROR. */
  DATABASE_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  /** How often a Node gateway folds audit intents left without an outcome (0: never). */
  AUDIT_INTENT_SWEEP_MS: z.coerce.number().int().min(0).default(30_000),
  /**
   * Age past which an intent without an outcome is folded as outcome_unknown.
   * Default: longer than any call can last (see src/audit/intents.ts).
   */
  AUDIT_INTENT_GRACE_MS: z.coerce.number().int().min(0).optional(),
  /** The gateway's own address as Plaid reaches it: webhooks are registered upstream under it. */
  GATEWAY_PUBLIC_URL: z.preprocess(emptyAsUndefined, z.url({ protocol: /^https?$/ }).optional()),
  /** Development and tests only: also deliver webhooks to http(s) URLs on loopback addresses. */
  WEBHOOK_ALLOW_LOOPBACK: z.preprocess(emptyAsUndefined, z.enum(['true', 'false']).default('false')),
  /** Delivery attempts per webhook before it is marked failed (then only a replay sends it again). */
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  /** First retry delay; each later one doubles (with jitter), up to an hour. */
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(1).default(30_000),
  /** How often a Node gateway looks for due deliveries (0: never; new webhooks still wake it). */
  WEBHOOK_DELIVERY_POLL_MS: z.coerce.number().int().min(0).default(5_000),
  /** Time a receiver gets to answer a delivery (Plaid gives its receivers 10 s). */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** Node server: time a client has to send its headers, and its whole request. */
  SERVER_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(120_000).default(10_000),
  SERVER_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(600_000).default(30_000),
  /** Full audit-chain walks (GET /audit/verify?full=true) each reader may start per minute. */
  AUDIT_FULL_VERIFY_PER_MINUTE: z.coerce.number().int().min(1).default(2),
  /** Failed authentications allowed per minute per presented client_id and per address (then 429). */
  AUTH_FAILURE_LIMIT_PER_CLIENT_ID: z.coerce.number().int().min(1).default(20),
  AUTH_FAILURE_LIMIT_PER_ADDRESS: z.coerce.number().int().min(1).default(100),
  /** Node: peers whose forwarding headers (cf-connecting-ip, X-Forwarded-For) are believed for client addresses. */
  TRUSTED_PROXIES: z.preprocess(emptyAsUndefined, z.string().optional()),
  LOG_LEVEL: z.preprocess(emptyAsUndefined, z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info')),
});

export type Env = z.infer<typeof EnvSchema>;

export interface EncryptionKey {
  /** Short id stored beside every sealed value so keys can be rotated. */
  id: string;
  /** 32 raw bytes (AES-256). */
  bytes: Uint8Array;
}

export interface GatewayConfig {
  databaseUrl: string | undefined;
  pgliteDataDir: string;
  plaidEnv: Env['PLAID_ENV'];
  /** Where upstream Plaid calls go; undefined until the emulator's port is known. */
  plaidBaseUrl: string | undefined;
  adminKey: string;
  /**
   * The operator CLI's key for one run (src/cli/operator-api.ts): set only on the
   * app that run builds in its own process, never read from the environment, so
   * no server accepts it. Requests made with it are audited as actor operator/cli.
   */
  cliKey?: string;
  /** First key seals; every key unseals. */
  encryptionKeys: EncryptionKey[];
  port: number;
  emulatorPort: number;
  maxBodyBytes: number;
  maxInflightBodyBytes: number;
  /** Bound on each hot-path database statement (ms). */
  databaseTimeoutMs: number;
  /** Interval of the Node audit intent sweep (ms; 0 = off). */
  intentSweepMs: number;
  /** Age (ms) past which an intent without an outcome is folded. */
  intentGraceMs: number;
  upstreamTimeoutMs: number;
  /**
   * The gateway's public base URL (webhooks are registered upstream under it).
   * Undefined only against the emulator on a port chosen at listen time; the
   * Node entry and the test stack set it once the port is known.
   */
  publicUrl: string | undefined;
  webhooks: {
    allowLoopback: boolean;
    maxAttempts: number;
    retryBaseMs: number;
    pollMs: number;
    timeoutMs: number;
  };
  auditFullVerifyPerMinute: number;
  /** See src/auth/failures.ts. */
  authFailureLimits: { perClientId: number; perAddress: number };
  /** Node server: bounds on slow clients (see src/node/serve.ts). */
  server: { headersTimeoutMs: number; requestTimeoutMs: number };
  /** Node: proxies whose forwarding headers name the client (see src/lib/client-address.ts). */
  trustedProxies: TrustedProxies;
  logLevel: Env['LOG_LEVEL'];
}

export class ConfigError extends Error {
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses raw environment values; throws ConfigError listing every problem. */
export function parseEnv(raw: Record<string, unknown>): Env {
  const result = EnvSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  return result.data;
}

/**
 * Parses GATEWAY_ENCRYPTION_KEY: either one base64 (or base64url) 32-byte key,
 * or a comma-separated list of `id:base64key` whose first entry is current.
 */
export function parseEncryptionKeys(value: string): EncryptionKey[] {
  const entries = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new ConfigError(['GATEWAY_ENCRYPTION_KEY: is empty']);
  const keys = entries.map((entry, index) => {
    const sep = entry.indexOf(':');
    const id = sep > 0 ? entry.slice(0, sep) : 'k1';
    const material = sep > 0 ? entry.slice(sep + 1) : entry;
    const bytes = decodeBase64(material);
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(id)) {
      throw new ConfigError([`GATEWAY_ENCRYPTION_KEY: key #${index + 1} has an invalid id (letters, digits, - and _)`]);
    }
    if (bytes?.length !== 32) {
      throw new ConfigError([`GATEWAY_ENCRYPTION_KEY: key "${id}" must be 32 bytes, base64-encoded`]);
    }
    return { id, bytes };
  });
  if (new Set(keys.map((k) => k.id)).size !== keys.length) {
    throw new ConfigError(['GATEWAY_ENCRYPTION_KEY: key ids must be unique']);
  }
  return keys;
}

function decodeBase64(text: string): Uint8Array | undefined {
  const normalized = text.replace(/-/g, '+').replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(normalized)) return undefined;
  try {
    const bin = atob(normalized);
    return Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/**
 * Builds the runtime config. `devKeys` supplies generated keys when the admin
 * and encryption keys are unset; that is allowed only against the emulator.
 */
export function buildConfig(env: Env, devKeys?: { adminKey: string; encryptionKey: string }): GatewayConfig {
  const problems: string[] = [];
  let adminKey = env.GATEWAY_ADMIN_KEY;
  let encryptionKey = env.GATEWAY_ENCRYPTION_KEY;
  if (env.PLAID_ENV !== 'emulator') {
    if (!adminKey) problems.push(`GATEWAY_ADMIN_KEY: required when PLAID_ENV=${env.PLAID_ENV}`);
    if (!encryptionKey) problems.push(`GATEWAY_ENCRYPTION_KEY: required when PLAID_ENV=${env.PLAID_ENV}`);
  } else {
    adminKey ??= devKeys?.adminKey;
    encryptionKey ??= devKeys?.encryptionKey;
    if (!adminKey) problems.push('GATEWAY_ADMIN_KEY: required (no development key available)');
    if (!encryptionKey) problems.push('GATEWAY_ENCRYPTION_KEY: required (no development key available)');
  }
  if (env.PLAID_ENV !== 'emulator' && !env.GATEWAY_PUBLIC_URL) {
    problems.push(`GATEWAY_PUBLIC_URL: required when PLAID_ENV=${env.PLAID_ENV} (Plaid sends webhooks to it)`);
  }
  if (env.SERVER_HEADERS_TIMEOUT_MS > env.SERVER_REQUEST_TIMEOUT_MS) {
    problems.push('SERVER_HEADERS_TIMEOUT_MS: must not exceed SERVER_REQUEST_TIMEOUT_MS');
  }
  let trustedProxies: TrustedProxies = [];
  try {
    trustedProxies = parseTrustedProxies(env.TRUSTED_PROXIES);
  } catch (err) {
    problems.push(`TRUSTED_PROXIES: ${(err as Error).message}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const plaidBaseUrl =
    env.PLAID_BASE_URL ??
    (env.PLAID_ENV === 'emulator' ? undefined : PLAID_BASE_URLS[env.PLAID_ENV]);

  return {
    databaseUrl: env.DATABASE_URL,
    pgliteDataDir: env.PGLITE_DATA_DIR,
    plaidEnv: env.PLAID_ENV,
    plaidBaseUrl,
    adminKey: adminKey!,
    encryptionKeys: parseEncryptionKeys(encryptionKey!),
    port: env.PORT,
    emulatorPort: env.EMULATOR_PORT,
    maxBodyBytes: env.MAX_BODY_BYTES,
    maxInflightBodyBytes: env.MAX_INFLIGHT_BODY_BYTES,
    upstreamTimeoutMs: env.UPSTREAM_TIMEOUT_MS,
    databaseTimeoutMs: env.DATABASE_TIMEOUT_MS,
    intentSweepMs: env.AUDIT_INTENT_SWEEP_MS,
    intentGraceMs:
      env.AUDIT_INTENT_GRACE_MS ??
      intentGraceMs({ upstreamTimeoutMs: env.UPSTREAM_TIMEOUT_MS, databaseTimeoutMs: env.DATABASE_TIMEOUT_MS }),
    publicUrl:
      env.GATEWAY_PUBLIC_URL?.replace(/\/+$/, '') ?? (env.PORT !== 0 ? `http://127.0.0.1:${env.PORT}` : undefined),
    webhooks: {
      allowLoopback: env.WEBHOOK_ALLOW_LOOPBACK === 'true',
      maxAttempts: env.WEBHOOK_MAX_ATTEMPTS,
      retryBaseMs: env.WEBHOOK_RETRY_BASE_MS,
      pollMs: env.WEBHOOK_DELIVERY_POLL_MS,
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
    },
    auditFullVerifyPerMinute: env.AUDIT_FULL_VERIFY_PER_MINUTE,
    authFailureLimits: { perClientId: env.AUTH_FAILURE_LIMIT_PER_CLIENT_ID, perAddress: env.AUTH_FAILURE_LIMIT_PER_ADDRESS },
    server: { headersTimeoutMs: env.SERVER_HEADERS_TIMEOUT_MS, requestTimeoutMs: env.SERVER_REQUEST_TIMEOUT_MS },
    trustedProxies,
    logLevel: env.LOG_LEVEL,
  };
}
