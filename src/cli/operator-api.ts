/**
 * The operator API (/admin/*, src/routes/admin/), called in-process: the CLI's
 * only way to change tenants, so validation, the change and its audit record
 * (written by auditedChange() in the change's transaction) have one
 * implementation, the routes'.
 *
 * Authentication: the app is built on the CLI's deps with a key of its own,
 * 32 random bytes made per run and set as `config.cliKey` on this app only. It
 * is never read from the environment, printed or stored, and this app never
 * listens on a socket: the key authenticates this run's in-process calls and
 * nothing else (the gateway's servers do not know it), and an HTTP caller
 * cannot present it to be recorded as the CLI. The operator's own key is not
 * needed. Requests made with it are audited as actor operator/cli, user agent
 * gateway-cli (src/auth/credentials.ts).
 */
import { createApp } from '../app';
import type { AppDeps } from '../context';
import { base64url, randomBytes } from '../lib/ids';

export interface ApiCall {
  method: 'GET' | 'POST' | 'PATCH';
  /** An /admin path; ids in it are URI-encoded by the caller. */
  path: string;
  body?: Record<string, unknown>;
}

export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
}

export interface OperatorApi {
  request(call: ApiCall): Promise<ApiAnswer>;
}

export const CLI_USER_AGENT = 'gateway-cli';

export function operatorApi(deps: AppDeps): OperatorApi {
  const key = `gwcli_${base64url(randomBytes(32))}`;
  const app = createApp({ ...deps, config: { ...deps.config, cliKey: key } });
  return {
    async request({ method, path, body }) {
      const res = await app.request(path, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'user-agent': CLI_USER_AGENT },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
  };
}
