/**
 * Node-side setup for the workerd suite: a fresh migrated Postgres database
 * (on the server test/support/pg-server.ts finds or starts) and the Plaid
 * emulator over HTTP. The Worker under test reaches both over real sockets.
 * workerd cannot host PGlite, so this suite always needs a Postgres server.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { createEmulatorApp } from '../../src/emulator/app';
import { openPostgres } from '../../src/db/postgres';
import { runMigrations } from '../../src/db/migrate';
import { base64url, randomBytes } from '../../src/lib/ids';
import { closeServer, listen } from '../../src/node/serve';
import { startStatementCounter } from '../support/pg-counter';
import { startPostgresServer } from '../support/pg-server';
import { withDatabase } from '../support/pg-url';


export const WORKER_PLAID_CLIENT = { clientId: 'worker_plaid_client', secret: 'worker_plaid_secret_0000000000' };

export default async function setup(project: TestProject) {
  const pgServer = await startPostgresServer();
  const base = pgServer.url;
  const name = `gw_w_${process.pid}_${Date.now()}`;
  const admin = postgres(base, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  await admin.unsafe(`create database ${name}`);
  const url = withDatabase(base, name);
  const handle = openPostgres(url, { max: 1 });
  await runMigrations(handle);
  await handle.close();
  // The Worker reaches its database through a counting proxy, so a test can ask
  // (over HTTP: workerd cannot read this process) how many statements a call cost.
  const counter = await startStatementCounter(url, { controlPort: true });

  const emulator = createEmulatorApp({ clients: [WORKER_PLAID_CLIENT], rateLimits: false });
  const { server, url: emulatorUrl } = await listen(emulator, 0);
  const relay = await startRelay();

  project.provide('workerDatabaseUrl', counter.url);
  project.provide('statementCounterUrl', counter.controlUrl!);
  project.provide('emulatorUrl', emulatorUrl);
  project.provide('relayUrl', relay.url);
  project.provide('adminKey', `worker_admin_${base64url(randomBytes(24))}`);
  project.provide('encryptionKey', `w1:${btoa(String.fromCharCode(...randomBytes(32)))}`);

  return async () => {
    await relay.close();
    await closeServer(server);
    await counter.close();
    await admin.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
    await admin.end();
    await pgServer.stop();
  };
}

/**
 * A recording HTTP server for the webhook tests (the Worker under test is not
 * reachable over a real socket, so Plaid's webhooks are captured here and the
 * test hands them to the Worker). Records every POST by path; GET
 * /__recorded?path=P answers the records of P. Paths under /flaky/ answer 503
 * the first time each is hit, then 200.
 */
async function startRelay() {
  const records = new Map<string, Array<{ headers: Record<string, string>; body: string }>>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://relay');
    if (req.method === 'GET' && url.pathname === '/__recorded') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(records.get(url.searchParams.get('path') ?? '') ?? []));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const list = records.get(url.pathname) ?? [];
      list.push({ headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString('utf8') });
      records.set(url.pathname, list);
      const status = url.pathname.startsWith('/flaky/') && list.length === 1 ? 503 : 200;
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
