import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo, Socket } from 'node:net';
import { requestId } from '../lib/ids';
import { PlaidError, errors } from '../plaid/errors';

interface FetchApp {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  fetch: (request: Request, ...rest: any[]) => Response | Promise<Response>;
}

export interface ServerLimits {
  /** Time for a client to send the request line and headers (slow-header clients are cut off). */
  headersTimeoutMs: number;
  /** Time for a client to send the whole request, body included (slow-body clients are cut off). */
  requestTimeoutMs: number;
}

const DEFAULT_LIMITS: ServerLimits = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 };

/**
 * Serves a Hono app on 127.0.0.1:port (0 = any free port); resolves once listening.
 *
 * The server bounds how long a client may take to send its request, and
 * answers every protocol error it detects itself (headers too large, a bad
 * chunk, conflicting lengths, a request not received in time) with Plaid's
 * error object, as the app answers everything else.
 */
export function listen(
  app: FetchApp,
  port: number,
  hostname = '127.0.0.1',
  limits: ServerLimits = DEFAULT_LIMITS,
): Promise<{ server: ServerType; url: string }> {
  return new Promise((resolve, reject) => {
    const server = serve(
      {
        fetch: app.fetch,
        port,
        hostname,
        serverOptions: {
          headersTimeout: limits.headersTimeoutMs,
          requestTimeout: limits.requestTimeoutMs,
          // How often those timeouts are checked (Node's default is every 30 s).
          connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
        },
      },
      (info: AddressInfo) => {
        resolve({ server, url: `http://${hostname}:${info.port}` });
      },
    );
    server.on('clientError', answerProtocolError);
    server.once('error', reject);
  });
}

/** The Plaid error for a protocol error Node's HTTP parser (or its timers) raised. */
export function protocolError(code: string | undefined): PlaidError {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return new PlaidError({ type: 'INVALID_REQUEST', code: 'INVALID_HEADERS', message: 'the request line or headers are too large', status: 431 });
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new PlaidError({ type: 'INVALID_REQUEST', code: 'INVALID_BODY', message: 'the request was not received in time', status: 408 });
    default:
      return errors.invalidBody('the request is not valid HTTP/1.1 (bad framing, chunk or length)');
  }
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

function answerProtocolError(err: NodeJS.ErrnoException, socket: Socket): void {
  // A client that went away, or one whose answer is already under way, gets nothing more.
  const answering = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE' || !socket.writable || answering) {
    socket.destroy();
    return;
  }
  const error = protocolError(err.code);
  const id = requestId();
  const body = JSON.stringify(error.toBody(id));
  socket.end(
    `HTTP/1.1 ${error.status} ${REASONS[error.status] ?? 'Bad Request'}\r\n` +
      'content-type: application/json; charset=UTF-8\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      'cache-control: no-store\r\nx-content-type-options: nosniff\r\n' +
      `x-request-id: ${id}\r\nconnection: close\r\n\r\n${body}`,
  );
}

export function closeServer(server: ServerType): Promise<void> {
  return new Promise((resolve) => {
    (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
    server.close(() => resolve());
  });
}
