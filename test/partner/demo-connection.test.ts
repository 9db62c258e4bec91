/**
 * How `npm run demo` (scripts/demo.ts) finds the gateway and the emulator: from
 * the variables `npm start` reads (PORT, EMULATOR_PORT, HOST, PLAID_BASE_URL),
 * GATEWAY_URL and EMULATOR_URL overriding them; and what it says when nothing
 * answers there. The script itself is spawned as `npm run demo` runs it,
 * against a gateway and emulator served in this process on ports that are not
 * the defaults.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoFailure, resolveDemoTargets, runDemo } from '../../scripts/demo';
import { runTsx } from '../support/scripts';
import { startTestStack, TEST_PLAID_CLIENT, type TestStack } from '../support/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ http: true });
});
afterAll(async () => stack?.close());

/** A loopback port nothing listens on (bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const portOf = (url: string) => new URL(url).port;

/** `npm run demo` (tsx scripts/demo.ts) with exactly these variables. */
const runDemoScript = (env: Record<string, string>) => runTsx('scripts/demo.ts', [], env);

describe('resolveDemoTargets', () => {
  it('defaults to npm start\'s defaults: the gateway on 8787, the emulator on 8788, on loopback', () => {
    expect(resolveDemoTargets({})).toEqual({
      gatewayUrl: 'http://127.0.0.1:8787',
      emulatorUrl: 'http://127.0.0.1:8788',
      gatewayFrom: 'the default port 8787 (PORT is not set)',
      emulatorFrom: 'the default port 8788 (EMULATOR_PORT is not set)',
    });
  });

  it('reads PORT and EMULATOR_PORT as npm start does', () => {
    expect(resolveDemoTargets({ PORT: '9100', EMULATOR_PORT: '9101' })).toEqual({
      gatewayUrl: 'http://127.0.0.1:9100',
      emulatorUrl: 'http://127.0.0.1:9101',
      gatewayFrom: 'PORT=9100',
      emulatorFrom: 'EMULATOR_PORT=9101',
    });
  });

  it('GATEWAY_URL and EMULATOR_URL override the ports (a trailing slash is dropped)', () => {
    const targets = resolveDemoTargets({
      PORT: '9100',
      EMULATOR_PORT: '9101',
      GATEWAY_URL: 'https://gw.example.test/',
      EMULATOR_URL: 'http://10.0.0.5:7000',
    });
    expect(targets).toEqual({
      gatewayUrl: 'https://gw.example.test',
      emulatorUrl: 'http://10.0.0.5:7000',
      gatewayFrom: 'GATEWAY_URL',
      emulatorFrom: 'EMULATOR_URL',
    });
    // Empty values count as unset, as in npm start's configuration.
    expect(resolveDemoTargets({ GATEWAY_URL: '', EMULATOR_URL: '' }).gatewayUrl).toBe('http://127.0.0.1:8787');
  });

  it('follows HOST when npm start was bound to one address, loopback for the wildcard', () => {
    expect(resolveDemoTargets({ HOST: '0.0.0.0', PORT: '9100' }).gatewayUrl).toBe('http://127.0.0.1:9100');
    expect(resolveDemoTargets({ HOST: '::', PORT: '9100' }).gatewayUrl).toBe('http://127.0.0.1:9100');
    const one = resolveDemoTargets({ HOST: '192.168.7.2', PORT: '9100' });
    expect(one).toMatchObject({ gatewayUrl: 'http://192.168.7.2:9100', gatewayFrom: 'HOST=192.168.7.2 and PORT=9100' });
    expect(one.emulatorUrl).toBe('http://127.0.0.1:8788'); // npm start's emulator listens on loopback only
    expect(resolveDemoTargets({ HOST: '::1' }).gatewayUrl).toBe('http://[::1]:8787');
  });

  it('uses PLAID_BASE_URL, the upstream npm start was given, for the emulator', () => {
    const targets = resolveDemoTargets({ PLAID_BASE_URL: 'http://127.0.0.1:7788', EMULATOR_PORT: '9101' });
    expect(targets).toMatchObject({
      emulatorUrl: 'http://127.0.0.1:7788',
      emulatorFrom: 'PLAID_BASE_URL (the upstream `npm start` was given)',
    });
    expect(resolveDemoTargets({ PLAID_BASE_URL: 'http://a.test', EMULATOR_URL: 'http://b.test' }).emulatorUrl).toBe('http://b.test');
  });

  it('refuses unusable values, naming the variable and what to set instead', () => {
    const failure = (env: Record<string, string>) => {
      try {
        resolveDemoTargets(env);
      } catch (err) {
        expect(err).toBeInstanceOf(DemoFailure);
        return (err as Error).message;
      }
      throw new Error('expected a DemoFailure');
    };
    expect(failure({ PORT: 'eighty' })).toBe('PORT must be a port number, 0-65535 (it is "eighty"), or set GATEWAY_URL');
    expect(failure({ EMULATOR_PORT: '70000' })).toMatch(/^EMULATOR_PORT must be a port number.*or set EMULATOR_URL$/);
    expect(failure({ PORT: '0' })).toMatch(/^PORT=0 lets `npm start` pick a free port.*set GATEWAY_URL/);
    expect(failure({ EMULATOR_PORT: '0' })).toMatch(/set EMULATOR_URL/);
    expect(failure({ GATEWAY_URL: 'localhost:8787' })).toMatch(/^GATEWAY_URL must be an http\(s\) URL/);
    // A port 0 does not matter when the URL is given.
    expect(resolveDemoTargets({ PORT: '0', GATEWAY_URL: 'http://127.0.0.1:1234' }).gatewayUrl).toBe('http://127.0.0.1:1234');
  });
});

describe('when nothing answers', () => {
  it('names the gateway URL it tried, where it came from, and the variables to set', async () => {
    const port = await closedPort();
    const printed: string[] = [];
    const run = runDemo({
      ...resolveDemoTargets({ PORT: String(port), EMULATOR_PORT: portOf(stack.emulator.url) }),
      adminKey: () => {
        throw new Error('the key is not read before both services answer');
      },
      plaid: TEST_PLAID_CLIENT,
      print: (l) => printed.push(l),
    });
    await expect(run).rejects.toThrow(DemoFailure);
    const message = await run.then(
      () => 'resolved',
      (e: Error) => e.message,
    );
    expect(printed).toHaveLength(1); // the step's title, then nothing
    expect(printed[0]).toContain('0. The gateway and the Plaid emulator are up');
    expect(message.split('\n')).toEqual([
      `cannot reach the gateway at http://127.0.0.1:${port} (connection refused: nothing listens there).`,
      `  That address comes from PORT=${port}.`,
      '  Start the gateway with `npm start` and run the demo with the same PORT (and HOST), or set GATEWAY_URL to the address it listens on.',
    ]);
  });

  it('checks the emulator too, before the operator creates anything', async () => {
    const port = await closedPort();
    const run = runDemo({
      ...resolveDemoTargets({ PORT: portOf(stack.url), EMULATOR_PORT: String(port) }),
      adminKey: stack.adminKey,
      plaid: TEST_PLAID_CLIENT,
      print: () => {},
    });
    const message = await run.then(
      () => 'resolved',
      (e: Error) => e.message,
    );
    expect(message).toContain(`cannot reach the Plaid emulator at http://127.0.0.1:${port} (connection refused`);
    expect(message).toContain(`That address comes from EMULATOR_PORT=${port}.`);
    expect(message).toMatch(/same EMULATOR_PORT \(or PLAID_BASE_URL\), or set EMULATOR_URL/);
    const partners = await stack.app.request('/admin/partners', { headers: { authorization: `Bearer ${stack.adminKey}` } });
    expect(((await partners.json()) as { partners: unknown[] }).partners).toEqual([]);
  });

  it('says so when something else answers at the gateway\'s address', async () => {
    const message = await runDemo({
      ...resolveDemoTargets({ GATEWAY_URL: stack.emulator.url, EMULATOR_PORT: portOf(stack.emulator.url) }),
      adminKey: stack.adminKey,
      plaid: TEST_PLAID_CLIENT,
      print: () => {},
    }).then(
      () => 'resolved',
      (e: Error) => e.message,
    );
    expect(message).toMatch(new RegExp(`^something answers at ${stack.emulator.url}, but not the gateway \\(GET /health answered HTTP \\d{3}\\)`));
    expect(message).toContain('That address comes from GATEWAY_URL');
  });
});

describe('npm run demo (the script, spawned)', () => {
  it('finds a gateway and an emulator on non-default ports from PORT and EMULATOR_PORT alone', async () => {
    const res = await runDemoScript({
      PORT: portOf(stack.url),
      EMULATOR_PORT: portOf(stack.emulator.url),
      GATEWAY_ADMIN_KEY: stack.adminKey,
      EMULATOR_CLIENTS: `${TEST_PLAID_CLIENT.clientId}:${TEST_PLAID_CLIENT.secret}`,
    });
    expect(res.stderr).toBe('');
    expect(res.stdout).toContain(`gateway  ${stack.url}  (GET /health: 200)`);
    expect(res.stdout).toContain(`emulator ${stack.emulator.url}`);
    expect(res.stdout).toMatch(/Done: all \d+ checks passed\./);
    expect(res.code).toBe(0);
  }, 60_000);

  it('exits 1 with the message alone (no stack trace) when the gateway is not there', async () => {
    const port = await closedPort();
    const res = await runDemoScript({ PORT: String(port), GATEWAY_ADMIN_KEY: stack.adminKey });
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(
      [
        `demo failed: cannot reach the gateway at http://127.0.0.1:${port} (connection refused: nothing listens there).`,
        `  That address comes from PORT=${port}.`,
        '  Start the gateway with `npm start` and run the demo with the same PORT (and HOST), or set GATEWAY_URL to the address it listens on.',
        '',
      ].join('\n'),
    );
    expect(res.stderr).not.toMatch(/^\s+at /m);

    const zero = await runDemoScript({ PORT: '0' });
    expect(zero.code).toBe(1);
    expect(zero.stderr).toMatch(/^demo failed: PORT=0 lets `npm start` pick a free port, which the demo cannot know: set GATEWAY_URL/);
  }, 60_000);
});
