/**
 * `npm run demo` end to end: the demo's flow against a gateway served over HTTP
 * (operator and fintech HTTP APIs, the plaid SDK, the emulator), with nothing
 * secret in what it prints.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../scripts/demo';
import { TEST_PLAID_CLIENT, startTestStack, type TestStack } from '../support/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ http: true });
});
afterAll(async () => stack?.close());

describe('npm run demo', () => {
  it('runs the whole flow: seven calls allowed, narrowing and revocation enforced', async () => {
    const lines: string[] = [];
    const result = await runDemo({
      gatewayUrl: stack.url,
      emulatorUrl: stack.emulator.url,
      adminKey: stack.adminKey,
      plaid: TEST_PLAID_CLIENT,
      print: (line) => lines.push(line),
    });
    const failed = result.checks.filter((c) => !c.ok);
    expect(failed, lines.join('\n')).toEqual([]);
    const names = result.checks.map((c) => c.step);
    for (const path of [
      '/processor/auth/get',
      '/processor/balance/get',
      '/processor/identity/match',
      '/processor/signal/evaluate',
      '/processor/signal/decision/report',
      '/processor/signal/return/report',
      '/processor/transactions/sync',
    ]) {
      expect(names).toContain(path);
      expect(names).toContain(`${path} refused`);
    }
    expect(names).toContain('balance now refused');

    const output = lines.join('\n');
    expect(output).not.toContain(stack.adminKey);
    expect(output).not.toContain(TEST_PLAID_CLIENT.secret);
    expect(output).not.toMatch(/processor-sandbox-[0-9a-f]{8}-/);
  });
});
