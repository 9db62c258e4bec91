/**
 * GET /docs in a real browser (the npm-packaged Chromium of @sparticuz/chromium
 * through playwright-core): the API reference renders the partner endpoints
 * from /openapi.json with every file served by the gateway itself, under a
 * strict CSP, with no script error, no CSP violation and no request to any
 * other host (the browser is refused every other host, as without internet).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser';
import { startTestStack, type TestStack } from '../support/stack';

const require = createRequire(import.meta.url);
const uiVersion = (require('swagger-ui-dist/package.json') as { version: string }).version;

let stack: TestStack;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];
const requests: string[] = [];
const foreignRequests: string[] = [];

beforeAll(async () => {
  stack = await startTestStack({ http: true });
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  // Collected from the first script on: a violation report is an event, not a console message.
  await context.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (e) =>
      seen.push(`${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`),
    );
  });
  // No internet: anything not addressed to the gateway is refused (and recorded).
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${stack.url}/`)) return route.continue();
    foreignRequests.push(url);
    return route.abort('internetdisconnected');
  });
  page = await context.newPage();
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  page.on('request', (r) => requests.push(r.url()));
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

const cspViolations = () => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);

describe('GET /docs over HTTP', () => {
  it('answers the page under a strict CSP that lets in only this origin', async () => {
    const res = await fetch(`${stack.url}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = (res.headers.get('content-security-policy') ?? '').split(/;\s*/);
    expect(csp).toEqual(
      expect.arrayContaining([
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "img-src 'self' data:",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'none'",
      ]),
    );
    expect(csp).toHaveLength(8);
    const html = await res.text();
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script>|<style|style=/);
  });

  it('serves the UI files from the installed package, versioned and cacheable for a year', async () => {
    const html = await (await fetch(`${stack.url}/docs`)).text();
    const assets = [...html.matchAll(/(?:src|href)="(docs\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toEqual([
      `docs/assets/swagger-ui-dist@${uiVersion}/swagger-ui.css`,
      `docs/assets/swagger-ui-dist@${uiVersion}/swagger-ui-bundle.js`,
      expect.stringMatching(/^docs\/assets\/init\.[0-9a-f]{8}\.js$/),
    ]);
    for (const asset of assets) {
      const res = await fetch(`${stack.url}/${asset}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-type')).toMatch(asset.endsWith('.css') ? /^text\/css/ : /^text\/javascript/);
      await res.arrayBuffer();
    }
    // Byte for byte the package's file (fetch asks for gzip and unpacks it).
    const bundle = await fetch(`${stack.url}/docs/assets/swagger-ui-dist@${uiVersion}/swagger-ui-bundle.js`);
    expect(bundle.headers.get('content-encoding')).toBe('gzip');
    expect(Buffer.from(await bundle.arrayBuffer()).equals(readFileSync(require.resolve('swagger-ui-dist/swagger-ui-bundle.js')))).toBe(true);
    const plain = await fetch(`${stack.url}/docs/assets/swagger-ui-dist@${uiVersion}/swagger-ui.css`, {
      headers: { 'accept-encoding': 'identity' },
    });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.text()).toBe(readFileSync(require.resolve('swagger-ui-dist/swagger-ui.css'), 'utf8'));
  });

  it("answers NOT_FOUND (Plaid's 400) for any other asset path: no file system behind it", async () => {
    for (const path of [
      'docs/assets/swagger-ui-dist@0.0.0/swagger-ui-bundle.js',
      `docs/assets/swagger-ui-dist@${uiVersion}/package.json`,
      `docs/assets/swagger-ui-dist@${uiVersion}/..%2F..%2Fpackage.json`,
      'docs/assets/constructor',
      'docs/assets/',
    ]) {
      const res = await fetch(`${stack.url}/${path}`);
      expect(res.status, path).toBe(400);
      expect(((await res.json()) as { error_code: string }).error_code, path).toBe('NOT_FOUND');
    }
  });
});

describe('the API reference in a browser', () => {
  it('renders the partner endpoints from /openapi.json', async () => {
    await page.goto(`${stack.url}/docs`);
    await expect(page.title()).resolves.toBe('Processor partner gateway API');
    await page.getByText('/processor/auth/get', { exact: true }).waitFor({ state: 'visible', timeout: 20_000 });
    await expect(page.getByText('/processor/transactions/sync', { exact: true }).isVisible()).resolves.toBe(true);
    await expect(page.locator('.info .title').textContent()).resolves.toContain('Processor partner gateway');
  });

  it('opens an operation with its request schema', async () => {
    await page.getByText('/processor/auth/get', { exact: true }).click();
    const operation = page.locator('.opblock.is-open');
    await operation.getByText('Request body').waitFor({ state: 'visible' });
    await expect(operation.getByText('processor_token').first().isVisible()).resolves.toBe(true);
  });

  it('ran without script errors or CSP violations, and every request went to the gateway', async () => {
    expect(consoleErrors).toEqual([]);
    expect(await cspViolations()).toEqual([]);
    expect(foreignRequests).toEqual([]);
    const origin = new URL(stack.url).origin;
    expect(requests.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith('data:'))).toEqual([]);
    const paths = requests.filter((url) => url.startsWith(`${origin}/`)).map((url) => new URL(url).pathname);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/docs',
        `/docs/assets/swagger-ui-dist@${uiVersion}/swagger-ui.css`,
        `/docs/assets/swagger-ui-dist@${uiVersion}/swagger-ui-bundle.js`,
        '/openapi.json',
      ]),
    );
  });
});
