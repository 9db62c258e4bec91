/**
 * GET /audit in a real browser (the npm-packaged Chromium of @sparticuz/chromium through playwright-core):
 * a reviewer enters a key, filters, pages, opens a record, downloads an export
 * and runs verification, before and after a record is changed behind the
 * gateway's back.
 */
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../support/browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack';
import { insertAuditorRow, insertPartnerRow } from '../support/tenants';
import { record, tamper } from '../support/audit';

let stack: TestStack;
let browser: Browser;
let page: Page;
let partnerA: string;
let partnerB: string;
let auditorKey: string;
const consoleErrors: string[] = [];

beforeAll(async () => {
  stack = await startTestStack({ http: true });
  partnerA = await insertPartnerRow(stack.deps.db, 'A');
  partnerB = await insertPartnerRow(stack.deps.db, 'B');
  auditorKey = (await insertAuditorRow(stack.deps.db, null)).key;
  for (let i = 0; i < 40; i++) {
    await stack.deps.audit.append(
      record({
        partnerId: i % 4 === 0 ? partnerB : partnerA,
        tokenId: `tok_page${String(i % 3).padStart(16, '0')}`,
        decision: i % 5 === 0 ? 'deny' : 'allow',
        httpStatus: i % 5 === 0 ? 400 : 200,
        reason: i % 5 === 0 ? 'INVALID_PRODUCT' : null,
        endpoint: i % 2 ? '/processor/balance/get' : '/processor/auth/get',
        userAgent: '<script>alert(1)</script>', // must show as text, never run
      }),
    );
  }
  browser = await launchBrowser();
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  page.on('dialog', (d) => {
    consoleErrors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

const rowDecisions = () => page.locator('#events tbody tr td:nth-child(6)').allTextContents();

describe('the compliance page', () => {
  it('loads without a key and asks for one', async () => {
    await page.goto(`${stack.url}/audit`);
    await expect(page.title()).resolves.toMatch(/Audit trail/);
    expect(await page.locator('#key-status').textContent()).toBe('No key entered.');
    expect(await page.locator('#events').isHidden()).toBe(true);
  });

  it('a wrong key shows the API\'s error', async () => {
    await page.fill('#key', 'audk_not_a_real_key');
    await page.click('#key-form button[type=submit]');
    await page.locator('#results-status.error-text').waitFor();
    expect(await page.locator('#results-status').textContent()).toContain('INVALID_API_KEYS');
  });

  it('with an auditor key it lists records, newest first, and filters by partner and decision', async () => {
    await page.fill('#key', auditorKey);
    await page.click('#key-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#results-status')?.textContent?.startsWith('Showing'));
    expect(await page.locator('#key-status').textContent()).toBe('A key is set for this tab.');
    expect(await page.evaluate(() => sessionStorage.getItem('gateway-audit-key'))).toBe(auditorKey);
    const seqs = (await page.locator('#events tbody tr td:nth-child(1)').allTextContents()).map(Number);
    expect(seqs.length).toBeGreaterThan(10);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));

    await page.fill('#partner_id', partnerA);
    await page.selectOption('#decision', 'deny');
    await page.click('#filters button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#results-status')?.textContent?.includes('Showing 6 records'));
    expect(await rowDecisions()).toEqual(Array(6).fill('deny'));
    const partners = await page.locator('#events tbody tr td:nth-child(8)').allTextContents();
    expect(new Set(partners)).toEqual(new Set([partnerA]));
    const tokens = await page.locator('#events tbody tr td:nth-child(9)').allTextContents();
    expect(tokens.every((t) => /^tok_page0{15}[0-2]$/.test(t))).toBe(true);
  });

  it('pages through the results', async () => {
    await page.click('#filters button[type=reset]');
    await page.fill('#endpoint', '/processor/balance/get');
    await page.selectOption('#limit', '25');
    await page.selectOption('#order', 'asc');
    await page.click('#filters button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#results-status')?.textContent?.includes('Showing 20 records'));
    expect(await page.locator('#next').isDisabled()).toBe(true);
    await page.fill('#endpoint', '');
    await page.click('#filters button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#results-status')?.textContent?.includes('(seq 1 to 25)'));
    expect(await page.locator('#prev').isDisabled()).toBe(true);
    await page.click('#next');
    await page.waitForFunction(() => document.querySelector('#page-label')?.textContent === 'Page 2');
    expect(await page.locator('#results-status').textContent()).toContain('(seq 26 to');
    await page.click('#prev');
    await page.waitForFunction(() => document.querySelector('#page-label')?.textContent === 'Page 1');
  });

  it('opens one record with every field, untrusted text shown as text', async () => {
    await page.click('#events tbody tr:nth-child(3) button');
    await page.locator('#detail').waitFor({ state: 'visible' });
    expect(await page.locator('#detail-heading').textContent()).toBe('Record 3');
    const fields = await page.locator('#detail-fields dt').allTextContents();
    expect(fields).toEqual(expect.arrayContaining(['seq', 'occurred_at', 'partner_id', 'token_id', 'decision', 'prev_hash', 'hash']));
    const values = await page.locator('#detail-fields dd').allTextContents();
    expect(values).toContain('<script>alert(1)</script>');
    expect(values.some((v) => /^[0-9a-f]{64}$/.test(v))).toBe(true);
    expect(JSON.parse((await page.locator('#detail-json').textContent())!)).toEqual({ fields: ['processor_token'], options: false });
    expect(await page.locator('#events tbody tr.selected td:first-child').textContent()).toBe('3');
  });

  it('downloads a CSV export of the filtered records', async () => {
    await page.fill('#partner_id', partnerB);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
    expect(download.suggestedFilename()).toMatch(/^audit-\d{8}T\d{6}Z\.csv$/);
    const text = readFileSync((await download.path())!, 'utf8');
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^seq,occurred_at,request_id,/);
    expect(lines).toHaveLength(11); // header + partner B's 10 records
    await page.waitForFunction(() => document.querySelector('#export-status')?.textContent?.startsWith('Downloaded'));
  });

  it('runs verification: PASS, then FAIL naming the record changed behind the gateway\'s back', async () => {
    await page.click('#verify');
    await page.locator('#verify-result.pass').waitFor();
    expect(await page.locator('#verify-result strong').textContent()).toBe('PASS: the chain is intact.');
    expect(await page.locator('#verify-result p').textContent()).toMatch(/^\d+ records checked; head hash [0-9a-f]{64}\.$/);

    await tamper(stack.deps.db, sql`update audit_events set reason = null where seq = 11`);
    await page.click('#verify');
    await page.locator('#verify-result.fail').waitFor();
    expect(await page.locator('#verify-result strong').textContent()).toBe('FAIL: the chain is broken at record 11.');
    expect(await page.locator('#verify-result p').textContent()).toContain('seq 11 was altered');

    await page.locator('#verify-result').scrollIntoViewIfNeeded();
    await page.screenshot({ path: '/tmp/audit-page.png', fullPage: true });
  });

  it('ran without script errors or CSP violations, and no injected script executed', () => {
    // The only failed load is the wrong-key request of the second test (no favicon request either).
    expect(consoleErrors.filter((e) => e.startsWith('Failed to load resource'))).toHaveLength(1);
    expect(consoleErrors.filter((e) => !e.startsWith('Failed to load resource'))).toEqual([]);
  });
});
