/**
 * The bare keep-alive reverse proxy of bench/proxy.ts: the floor of "a Node
 * process between the client and Plaid". A server, not a benchmark (bench/run.ts
 * skips it).
 *
 * node:http in front of an undici Pool to BARE_PROXY_UPSTREAM (keep-alive, as
 * many connections as the gateway's upstream Agent). Every request is
 * forwarded as it came: method, path, body (read whole, sent whole) and
 * content-type; the answer goes back with its status, content-type and body.
 * Nothing else: no auth, no parsing, no logging.
 *
 *   BARE_PROXY_UPSTREAM=http://127.0.0.1:8788 BARE_PROXY_PORT=8790 npx tsx bench/bare-proxy.ts
 */
import { createServer, type IncomingMessage } from 'node:http';
import { type Dispatcher, Pool } from 'undici';

const upstream = process.env.BARE_PROXY_UPSTREAM;
const port = Number(process.env.BARE_PROXY_PORT ?? 8790);
if (!upstream) throw new Error('BARE_PROXY_UPSTREAM is required (the origin to forward to)');

const pool = new Pool(upstream, { connections: 256, keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000 });

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const server = createServer(async (req, res) => {
  try {
    const body = await readBody(req);
    const contentType = req.headers['content-type'];
    const answer = await pool.request({
      method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
      path: req.url ?? '/',
      headers: contentType ? { 'content-type': contentType } : {},
      body: body.length > 0 ? body : null,
    });
    const out = Buffer.from(await answer.body.arrayBuffer());
    const type = answer.headers['content-type'];
    res.writeHead(answer.statusCode, {
      ...(type ? { 'content-type': Array.isArray(type) ? type[0]! : type } : {}),
      'content-length': out.length,
    });
    res.end(out);
  } catch (err) {
    res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'bare proxy: upstream failed', message: err instanceof Error ? err.message : String(err) }));
  }
});

server.listen(port, '127.0.0.1', () => console.log(`bare proxy on http://127.0.0.1:${port} -> ${upstream}`));

const stop = () => {
  server.close();
  server.closeAllConnections();
  void pool.close().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
