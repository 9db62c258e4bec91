/**
 * A PostgreSQL wire-protocol proxy that counts what the gateway asks of its
 * database: a test opens the app's database through `counter.url` and can
 * then assert how many statements (and round trips) one request costs.
 *
 * Bytes are forwarded unchanged in both directions; only a copy of the client
 * -> server stream is parsed, so the proxy cannot change what it measures.
 *
 * Counted (frontend messages, protocol 3.0):
 * - statements: simple Query ('Q') + extended-protocol Execute ('E');
 * - round trips: 'Q' + Sync ('S') + Flush ('H'), the points where the client
 *   waits for the server. Flush is there because postgres.js runs a parameterized
 *   statement it has not prepared (always, with `prepare: false`) as Parse +
 *   Describe + Flush, waits for the parameter types, and only then sends
 *   Bind + Execute + Sync: two network round trips that Q + S alone count as one.
 * A 'Q' holding several `;`-separated statements counts once: it is one message.
 *
 * workerd cannot read this process' memory, so `{ controlPort: true }` also
 * serves GET /count and POST /reset over HTTP.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface StatementCounter {
  /** targetUrl with host:port replaced by the proxy's. */
  url: string;
  /** With `controlPort`: http://127.0.0.1:port (GET /count, POST /reset). */
  controlUrl?: string;
  /** SQL text of every statement executed since the last reset, in order. */
  statements(): string[];
  count(): number;
  roundTrips(): number;
  reset(): void;
  close(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

export async function startStatementCounter(
  targetUrl: string,
  options: { controlPort?: boolean } = {},
): Promise<StatementCounter> {
  const target = new URL(targetUrl);
  const targetHost = target.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  const targetPort = Number(target.port || 5432);

  let texts: string[] = [];
  let roundTrips = 0;
  // Set when a connection negotiated TLS/GSS encryption: its statements are
  // invisible, so every count would be a silent undercount. Fail loudly instead.
  let blind: string | undefined;
  const sockets = new Set<Socket>();

  const check = () => {
    if (blind) throw new Error(blind);
  };

  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, targetHost);
    sockets.add(client).add(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const parser = frontendParser({
      statement: (sql) => texts.push(sql),
      roundTrip: () => roundTrips++,
    });
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      parser.push(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      // The one server byte the parser must see: the answer to an encryption
      // request ('N' = no, go on in plaintext; 'S'/'G' = encrypted from here on).
      if (parser.awaitingEncryptionAnswer) {
        const accepted = chunk[0] === 0x53 || chunk[0] === 0x47;
        if (accepted) blind = `pg-counter: a connection to ${targetHost}:${targetPort} negotiated encryption; its statements cannot be counted (use sslmode=disable)`;
        parser.encryptionAnswered(accepted);
      }
      client.write(chunk);
    });
    // Either side closing or failing ends the pair; errors are the client's to see.
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const proxied = new URL(targetUrl);
  proxied.host = `127.0.0.1:${port}`;

  let control: HttpServer | undefined;
  let controlUrl: string | undefined;
  if (options.controlPort) {
    control = createHttpServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (req.method === 'GET' && path === '/count') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(blind ? { error: blind } : { statements: texts.length, round_trips: roundTrips, texts }));
      } else if (req.method === 'POST' && path === '/reset') {
        texts = [];
        roundTrips = 0;
        res.writeHead(204).end();
      } else {
        res.writeHead(404).end();
      }
      // Drain any request body so the connection can be reused.
      req.resume();
    });
    await new Promise<void>((resolve, reject) => {
      control!.once('error', reject);
      control!.listen(0, '127.0.0.1', () => resolve());
    });
    controlUrl = `http://127.0.0.1:${(control.address() as { port: number }).port}`;
  }

  return {
    url: proxied.toString(),
    controlUrl,
    statements: () => (check(), [...texts]),
    count: () => (check(), texts.length),
    roundTrips: () => (check(), roundTrips),
    reset() {
      texts = [];
      roundTrips = 0;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await Promise.all([
        new Promise<void>((resolve) => server.close(() => resolve())),
        control && new Promise<void>((resolve) => {
          control.closeAllConnections();
          control.close(() => resolve());
        }),
      ]);
    },
  };
}

/**
 * Incremental parser of one connection's frontend stream. TCP delivers the
 * stream in arbitrary pieces, so bytes are buffered until a whole message is there.
 */
function frontendParser(on: { statement(sql: string): void; roundTrip(): void }) {
  let buffer: Buffer = Buffer.alloc(0);
  // The first message of a connection (and the one after a refused encryption
  // request) has no type byte: int32 length + int32 code.
  let startup = true;
  let done = false; // cancel request, or an encrypted stream we cannot read
  // Per connection, as in the server: prepared statement name -> SQL, portal name -> SQL ('' = unnamed).
  const prepared = new Map<string, string>();
  const portals = new Map<string, string>();

  const parser = {
    awaitingEncryptionAnswer: false,
    encryptionAnswered(accepted: boolean) {
      parser.awaitingEncryptionAnswer = false;
      if (accepted) done = true;
      else drain();
    },
    push(chunk: Buffer) {
      if (done) return;
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      drain();
    },
  };

  function drain() {
    while (!done && !parser.awaitingEncryptionAnswer) {
      if (startup) {
        if (buffer.length < 8) return;
        const length = buffer.readInt32BE(0);
        if (buffer.length < length) return;
        const code = buffer.readInt32BE(4);
        buffer = buffer.subarray(length);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          // Still in startup: after 'N' the real startup message follows.
          parser.awaitingEncryptionAnswer = true;
        } else if (code === CANCEL_REQUEST) {
          done = true;
        } else {
          startup = false;
        }
        continue;
      }
      if (buffer.length < 5) return;
      const length = buffer.readInt32BE(1);
      if (buffer.length < 1 + length) return;
      const type = String.fromCharCode(buffer[0]!);
      const body = buffer.subarray(5, 1 + length);
      buffer = buffer.subarray(1 + length);
      handle(type, body);
    }
  }

  function handle(type: string, body: Buffer) {
    switch (type) {
      case 'Q':
        on.roundTrip();
        on.statement(cstrings(body, 1)[0]!);
        break;
      case 'P': {
        const [name, sql] = cstrings(body, 2);
        prepared.set(name!, sql!);
        break;
      }
      case 'B': {
        const [portal, statement] = cstrings(body, 2);
        portals.set(portal!, prepared.get(statement!) ?? `<unknown prepared statement "${statement}">`);
        break;
      }
      case 'E': {
        const [portal] = cstrings(body, 1);
        on.statement(portals.get(portal!) ?? `<unknown portal "${portal}">`);
        break;
      }
      case 'C': {
        // Close: 'S' statement or 'P' portal; the name may be reused afterwards.
        const [name] = cstrings(body.subarray(1), 1);
        (body[0] === 0x53 ? prepared : portals).delete(name!);
        break;
      }
      case 'S':
      case 'H':
        on.roundTrip();
        break;
    }
  }

  return parser;
}

/** The first `n` NUL-terminated UTF-8 strings of a message body. */
function cstrings(body: Buffer, n: number): string[] {
  const out: string[] = [];
  let at = 0;
  for (let i = 0; i < n; i++) {
    const end = body.indexOf(0, at);
    if (end < 0) break;
    out.push(body.toString('utf8', at, end));
    at = end + 1;
  }
  return out;
}
