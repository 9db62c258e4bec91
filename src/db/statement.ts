import { Buffer } from 'node:buffer';
import type { Database } from './database';

/**
 * One fixed SQL statement of the hot path, run on the driver underneath
 * drizzle: no query building per call, and on postgres.js a prepared statement
 * (named once per connection, then Bind/Execute only) unless the connection was
 * opened with `prepare: false` (Workers behind Hyperdrive).
 *
 * Without prepared statements, postgres.js asks the server for the parameter
 * types first (a Parse/Describe round trip) before every parameterised query,
 * doubling the round trips. There the parameters are written into the text as
 * literals instead, hex-encoded so that no value can change the statement.
 *
 * Every run is bounded: past `timeoutMs` the caller gets a DatabaseTimeout, and
 * on postgres.js the statement is also cancelled on the server, so a stalled
 * statement does not keep holding locks or a pooled connection. (PGlite runs in
 * this process, one statement at a time: it cannot wait on another session's
 * lock, and a statement of its own cannot be interrupted.)
 */
export type Statement = (params: readonly unknown[], timeoutMs: number) => Promise<Record<string, unknown>[]>;

export class DatabaseTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`database statement exceeded ${timeoutMs} ms`);
    this.name = 'DatabaseTimeout';
  }
}

interface PendingPostgresQuery extends Promise<Record<string, unknown>[]> {
  cancel(): void;
}
interface PostgresJsClient {
  unsafe(text: string, params: unknown[], options: { prepare: boolean }): PendingPostgresQuery;
  options?: { prepare?: boolean };
}
interface PgliteClient {
  query(text: string, params: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

export function statement(db: Database, text: string): Statement {
  const client = (db as unknown as { $client: unknown }).$client;
  if (client && typeof (client as PostgresJsClient).unsafe === 'function') {
    const pg = client as PostgresJsClient;
    const prepare = pg.options?.prepare !== false;
    return (params, timeoutMs) => {
      const query = prepare ? pg.unsafe(text, params as unknown[], { prepare }) : pg.unsafe(inline(text, params), [], { prepare });
      return bounded(query, timeoutMs, () => query.cancel());
    };
  }
  if (client && typeof (client as PgliteClient).query === 'function') {
    const lite = client as PgliteClient;
    return (params, timeoutMs) => bounded(lite.query(text, params as unknown[]).then((r) => r.rows), timeoutMs);
  }
  throw new Error('statement(): unsupported database driver');
}

/** `text` with $1, $2, ... replaced by literals of `params` (strings hex-encoded). */
function inline(text: string, params: readonly unknown[]): string {
  return text.replace(/\$(\d+)/g, (_, n: string) => literal(params[Number(n) - 1]));
}

function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('statement parameter: not a finite number');
    return String(value);
  }
  if (typeof value === 'string') return `convert_from(decode('${Buffer.from(value, 'utf8').toString('hex')}', 'hex'), 'UTF8')`;
  throw new TypeError(`statement parameter: unsupported type ${typeof value}`);
}

function bounded<T>(work: Promise<T>, timeoutMs: number, onTimeout?: () => void): Promise<T> {
  if (!(timeoutMs > 0)) return work;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new DatabaseTimeout(timeoutMs));
    }, timeoutMs);
  });
  // The losing side must not surface as an unhandled rejection.
  work.catch(() => {});
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** A jsonb result column, whichever driver parsed (or did not parse) it. */
export function jsonColumn<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}
