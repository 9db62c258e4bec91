/**
 * A tiny misbehaving "Plaid" on 127.0.0.1:0 (node:http), for the upstream
 * failure tests: each request is answered by the current behaviour, and every
 * request (headers, body) and connection is recorded.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Behaviour =
  | 'ok'
  | 'hang'
  | 'reset'
  | 'reset-once'
  | 'html-500'
  | 'text-200'
  | 'array-200'
  | 'plaid-503'
  | 'html-503'
  | 'plaid-400'
  | 'plaid-429'
  | 'body-hang'
  | 'echo-secrets'
  | 'redirect';

export interface RecordedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

export interface BadUpstream {
  url: string;
  behaviour: Behaviour;
  /** What 'ok' answers (default: a minimal valid auth/get body). */
  okBody: Record<string, unknown>;
  requests: RecordedRequest[];
  connections: number;
  /** Back to the initial behaviour, with nothing recorded. */
  reset(): void;
  close(): Promise<void>;
}

export const OK_AUTH_BODY = {
  account: {
    account_id: 'acc_upstream_1',
    balances: { available: 100, current: 110, limit: null, iso_currency_code: 'USD', unofficial_currency_code: null },
    mask: '0000',
    name: 'Plaid Checking',
    official_name: 'Plaid Gold Standard 0% Interest Checking',
    subtype: 'checking',
    type: 'depository',
  },
  numbers: {
    ach: { account: '1111222233330000', account_id: 'acc_upstream_1', routing: '011401533', wire_routing: '021000021' },
    eft: null,
    international: null,
    bacs: null,
  },
  request_id: 'UPSTREAMreq0001',
};

export async function startBadUpstream(initial: Behaviour = 'ok'): Promise<BadUpstream> {
  const sockets = new Set<Socket>();
  let resetDone = false;
  const state: BadUpstream = {
    url: '',
    behaviour: initial,
    okBody: OK_AUTH_BODY,
    requests: [],
    connections: 0,
    reset() {
      state.behaviour = initial;
      state.requests = [];
      state.connections = 0;
      resetDone = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      /* recorded as {} */
    }
    state.requests.push({ path: req.url ?? '', headers: req.headers, body });
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    const plaidError = (status: number, type: string, code: string, extra: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...extra });
      res.end(
        JSON.stringify({
          error_type: type,
          error_code: code,
          error_message: `upstream says ${code}`,
          display_message: null,
          request_id: 'UPSTREAMerr0001',
        }),
      );
    };
    switch (state.behaviour) {
      case 'ok':
        return json(200, state.okBody);
      case 'hang':
        return; // never answers
      case 'reset':
        return req.socket.resetAndDestroy();
      case 'reset-once':
        if (!resetDone) {
          resetDone = true;
          return req.socket.resetAndDestroy();
        }
        return json(200, state.okBody);
      case 'html-500':
        res.writeHead(500, { 'content-type': 'text/html' });
        return res.end('<html><body><h1>500 Internal Server Error</h1></body></html>');
      case 'html-503':
        res.writeHead(503, { 'content-type': 'text/html' });
        return res.end('<html><body>Service Unavailable</body></html>');
      case 'text-200':
        res.writeHead(200, { 'content-type': 'text/plain' });
        return res.end('OK but not JSON');
      case 'array-200':
        return json(200, [1, 2, 3]);
      case 'plaid-503':
        return plaidError(503, 'API_ERROR', 'PLANNED_MAINTENANCE');
      case 'plaid-400':
        return plaidError(400, 'ITEM_ERROR', 'ITEM_LOGIN_REQUIRED');
      case 'plaid-429':
        return plaidError(429, 'RATE_LIMIT_EXCEEDED', 'AUTH_LIMIT', { 'retry-after': '7' });
      case 'body-hang':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"request_id": "partial');
        return; // the rest never comes
      case 'echo-secrets':
        // A buggy upstream that echoes what it got (token and keys) in an error message.
        return json(400, {
          error_type: 'INVALID_INPUT',
          error_code: 'INVALID_FIELD',
          error_message: `bad token ${String(body.processor_token)} for ${String(req.headers['plaid-secret'])}`,
          display_message: null,
          request_id: 'UPSTREAMecho001',
        });
      case 'redirect':
        res.writeHead(307, { location: 'http://127.0.0.1:1/elsewhere' });
        return res.end();
    }
  };

  const server: Server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => handle(req, res, raw));
  });
  server.on('connection', (socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
