/** Classifies failures as database failures, for gateway_database_errors_total. */
import { DrizzleQueryError } from 'drizzle-orm/errors';
import { HTTPException } from 'hono/http-exception';
import { PlaidError } from '../plaid/errors';
import type { DatabaseErrorKind } from './index';

/** postgres.js and Node codes of a connection that failed, closed or could not be made. */
const CONNECTION_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** A SQLSTATE: five digits or capitals, at least one a digit (so EPIPE is not one). */
const SQLSTATE = /^(?=.*\d)[0-9A-Z]{5}$/;
/** query_canceled (statement timeout, cancel) and lock_not_available (lock timeout). */
const TIMEOUT_SQLSTATES = new Set(['57014', '55P03']);

/**
 * Whether an error came from the database, and how: DatabaseTimeout (our bound on a
 * hot-path statement), a SQLSTATE from the server (class 08: connection), a
 * driver's connection error, or a query drizzle reports as failed. Plaid's own
 * errors (upstream failures included) and request errors are never database
 * failures. Walks `cause` a few levels (drizzle wraps the driver's error).
 */
export function databaseFailureKind(err: unknown): DatabaseErrorKind | undefined {
  if (err instanceof PlaidError || err instanceof HTTPException) return undefined;
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const { name, code } = current as { name?: unknown; code?: unknown };
    if (name === 'DatabaseTimeout') return 'timeout';
    if (typeof code === 'string') {
      if (CONNECTION_CODES.has(code)) return 'connection';
      if (SQLSTATE.test(code)) return TIMEOUT_SQLSTATES.has(code) ? 'timeout' : code.startsWith('08') ? 'connection' : 'query';
    }
    current = (current as { cause?: unknown }).cause;
  }
  return err instanceof DrizzleQueryError ? 'query' : undefined;
}
