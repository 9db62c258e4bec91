import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';

interface FetchApp {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  fetch: (request: Request, ...rest: any[]) => Response | Promise<Response>;
}

/** Serves a Hono app on 127.0.0.1:port (0 = any free port); resolves once listening. */
export function listen(app: FetchApp, port: number, hostname = '127.0.0.1'): Promise<{ server: ServerType; url: string }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname }, (info: AddressInfo) => {
      resolve({ server, url: `http://${hostname}:${info.port}` });
    });
    server.once('error', reject);
  });
}

export function closeServer(server: ServerType): Promise<void> {
  return new Promise((resolve) => {
    (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
    server.close(() => resolve());
  });
}
