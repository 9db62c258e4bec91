/**
 * The overview on GET /audit in a real browser (the npm-packaged Chromium of
 * @sparticuz/chromium through playwright-core): the numbers and bars for a
 * known set of records, following the filters, a partner-scoped auditor seeing
 * only its partner, all drawn under the page's CSP with no request leaving the
 * gateway.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser';
import { startTestStack, type TestStack } from '../support/stack';
import { insertAuditorRow, insertPartnerRow } from '../support/tenants';
import { appendKnown, AUTH, BALANCE } from './summary-fixtures';

let stack: TestStack;
let browser: Browser;
let page: Page;
let partnerA: string;
let partnerB: string;
let allKey: string;
let scopedKey: string;
const consoleErrors: string[] = [];
const foreignRequests: string[] = [];

beforeAll(async () => {
  stack = await startTestStack({ http: true });
  partnerA = await insertPartnerRow(stack.deps.db, 'A');
  partnerB = await insertPartnerRow(stack.deps.db, 'B');
  allKey = (await insertAuditorRow(stack.deps.db, null)).key;
  scopedKey = (await insertAuditorRow(stack.deps.db, partnerA)).key;
  await appendKnown(stack, { A: partnerA, B: partnerB });
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  page.on('request', (r) => {
    if (!r.url().startsWith(`${stack.url}/`) && !r.url().startsWith('data:')) foreignRequests.push(r.url());
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

const text = (selector: string) => page.locator(selector).textContent();
const texts = (selector: string) => page.locator(selector).allTextContents();
/** A bar list as [label, value] pairs, in the order shown. */
async function barList(id: string): Promise<Array<[string, string]>> {
  const labels = await texts(`#${id} li.bar .bar-label`);
  const values = await texts(`#${id} li.bar .bar-value`);
  return labels.map((l, i) => [l, values[i]!]);
}
/** Width of a bar's filled part as a share of the largest bar's. */
async function fillWidths(id: string): Promise<number[]> {
  return page.evaluate((listId) => {
    const rows = [...document.querySelectorAll(`#${listId} li.bar .bar-track`)];
    return rows.map((track) =>
      [...track.querySelectorAll('.bar-fill')].reduce((w, f) => w + f.getBoundingClientRect().width, 0) /
      track.getBoundingClientRect().width,
    );
  }, id);
}
async function search(fill: Record<string, string>) {
  for (const [field, value] of Object.entries(fill)) await page.fill(`#${field}`, value);
  const status = await text('#overview-status');
  await page.click('#filters button[type=submit]');
  await page.waitForFunction((before) => {
    const now = document.querySelector('#overview-status')?.textContent;
    return now !== before && !now?.startsWith('Loading');
  }, status);
}

describe('the overview on the compliance page', () => {
  it('asks for a key first and shows nothing', async () => {
    await page.goto(`${stack.url}/audit`);
    expect(await text('#overview-status')).toBe('Enter a key to see the overview.');
    expect(await page.locator('#overview-body').isHidden()).toBe(true);
  });

  it('with a key, shows the counts of every record the key may read', async () => {
    await page.fill('#key', allKey);
    await page.click('#key-form button[type=submit]');
    await page.locator('#overview-body').waitFor({ state: 'visible' });
    expect(await text('#overview-status')).toMatch(/^\d+ records match these filters\.$/);
    expect(Number(await text('#stat-total .num'))).toBeGreaterThanOrEqual(16);
    expect(await text('#overview-scope')).toMatch(/^Every partner\. From the first record to now; records up to seq \d+\.$/);
  });

  it('for a time range: the numbers, the bars and the days of exactly those records', async () => {
    await search({ from: '2031-03-01T00:00', to: '2031-03-04T00:00' });
    expect(await text('#overview-status')).toBe('16 records match these filters.');
    expect(await text('#overview-scope')).toContain('From 2031-03-01T00:00:00.000Z to 2031-03-04T00:00:00.000Z');
    const stats = Object.fromEntries(
      await Promise.all(
        ['total', 'allow', 'deny', 'error', 'rate-limited', 'plaid-errors'].map(async (s) => [
          s,
          [await text(`#stat-${s} .num`), await page.locator(`#stat-${s} .share`).allTextContents()],
        ]),
      ),
    );
    expect(stats).toEqual({
      total: ['16', []],
      allow: ['8', ['50% of calls']],
      deny: ['6', ['38% of calls']],
      error: ['2', ['13% of calls']],
      'rate-limited': ['3', ['19% of calls']],
      'plaid-errors': ['3', ['19% of calls']],
    });

    expect(await barList('chart-partners')).toEqual([
      [partnerA, '9'],
      [partnerB, '5'],
      ['(no partner: operator, sign-in failures)', '2'],
    ]);
    expect(await page.locator('#chart-partners li.bar').first().getAttribute('title')).toBe('allowed 4, denied 3, error 2');
    const widths = await fillWidths('chart-partners');
    expect(widths[0]).toBeCloseTo(1, 2);
    expect(widths[1]).toBeCloseTo(5 / 9, 2);
    expect(widths[2]).toBeCloseTo(2 / 9, 2);
    // Partner A's bar is split by decision: 4 allowed, 3 denied, 2 errors.
    const segments = await page.evaluate(() =>
      [...document.querySelectorAll('#chart-partners li.bar:first-child .bar-fill')].map((f) => [
        f.className,
        Math.round(f.getBoundingClientRect().width),
      ]),
    );
    expect(segments.map((s) => s[0])).toEqual(['bar-fill allow', 'bar-fill deny', 'bar-fill error']);
    const [allowW, denyW, errorW] = segments.map((s) => s[1] as number);
    expect(allowW! / (allowW! + denyW! + errorW!)).toBeCloseTo(4 / 9, 1);

    expect(await barList('chart-reasons')).toEqual([
      ['rate_limited_partner', '2'],
      ['product_not_in_token_permissions', '1'],
      ['rate_limited_token', '1'],
      ['token_revoked', '1'],
      ['wrong_admin_key', '1'],
    ]);
    expect(await barList('chart-endpoints')).toEqual([
      [AUTH, '9'],
      [BALANCE, '5'],
      ['/admin/partners', '2'],
    ]);
    expect(await barList('chart-scopes')).toEqual([
      ['per partner', '2'],
      ['per token', '1'],
    ]);
    expect(await barList('chart-plaid')).toEqual([
      ['ITEM_LOGIN_REQUIRED', '2'],
      ['INTERNAL_SERVER_ERROR', '1'],
    ]);

    // One column per day, the empty 2 March included, scaled to the busiest day.
    const columns = await page.evaluate(() =>
      [...document.querySelectorAll('#chart-days .col')].map((c) => ({
        title: (c as HTMLElement).title,
        height: [...c.querySelectorAll('.seg')].reduce((h, s) => h + s.getBoundingClientRect().height, 0),
        full: c.getBoundingClientRect().height,
      })),
    );
    expect(columns.map((c) => c.title)).toEqual([
      '2031-03-01: 9 calls, allowed 6, denied 3, error 0',
      '2031-03-02: 0 calls, allowed 0, denied 0, error 0',
      '2031-03-03: 7 calls, allowed 2, denied 3, error 2',
    ]);
    expect(columns[0]!.height / columns[0]!.full).toBeCloseTo(1, 2);
    expect(columns[1]!.height).toBe(0);
    expect(columns[2]!.height / columns[0]!.height).toBeCloseTo(7 / 9, 2);
    expect(await text('#chart-days-first')).toBe('2031-03-01');
    expect(await text('#chart-days-last')).toBe('2031-03-03');
    expect(await page.locator('#chart-plaid-days .col').evaluateAll((cs) => cs.map((c) => (c as HTMLElement).title))).toEqual([
      '2031-03-01: 1 Plaid errors',
      '2031-03-02: 0 Plaid errors',
      '2031-03-03: 2 Plaid errors',
    ]);

    await page.click('#overview details summary');
    const rows = await page.locator('#days-table tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
    );
    expect(rows).toEqual([
      ['2031-03-01', '9', '6', '3', '0', '1', '1'],
      ['2031-03-02', '0', '0', '0', '0', '0', '0'],
      ['2031-03-03', '7', '2', '3', '2', '2', '2'],
    ]);

    await page.mouse.move(0, 0);
    await page.locator('#overview').screenshot({ path: '/tmp/audit-overview.png' });
  });

  it('follows the other filters too, and says when nothing matches', async () => {
    await search({ partner_id: partnerB });
    expect(await text('#stat-total .num')).toBe('5');
    expect(await barList('chart-partners')).toEqual([[partnerB, '5']]);
    expect(await texts('#chart-plaid li')).toHaveLength(1);

    await search({ partner_id: '', from: '2040-01-01T00:00', to: '2040-01-03T00:00' });
    expect(await text('#overview-status')).toBe('No records match these filters.');
    expect(await text('#stat-total .num')).toBe('0');
    expect(await texts('#chart-reasons li')).toEqual(['No denials.']);
    expect(await texts('#chart-scopes li')).toEqual(['No call was rate limited.']);
    expect(await page.locator('#chart-days .col').count()).toBe(2);
  });

  it('a partner-scoped auditor sees only its partner', async () => {
    await page.click('#forget');
    expect(await page.locator('#overview-body').isHidden()).toBe(true);
    await page.fill('#from', '2031-03-01T00:00');
    await page.fill('#to', '2031-03-04T00:00');
    await page.fill('#key', scopedKey);
    await page.click('#key-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#overview-status')?.textContent === '9 records match these filters.');
    expect(await text('#overview-scope')).toContain(`Partner ${partnerA} only`);
    expect(await barList('chart-partners')).toEqual([[partnerA, '9']]);
    expect(await text('#stat-deny .num')).toBe('3');
    expect(await text('#overview')).not.toContain(partnerB);
    expect(await text('#overview')).not.toContain('wrong_admin_key');

    // Asking for another partner shows the API's refusal in place of the overview.
    await search({ partner_id: partnerB });
    expect(await text('#overview-status')).toMatch(/^INVALID_FIELD: .*partner_id/);
    expect(await text('#results-status')).toContain('INVALID_FIELD');
    expect(await page.locator('#overview-body').isHidden()).toBe(true);
  });

  it('ran without script errors or CSP violations, and nothing was fetched from elsewhere', () => {
    // The one failed load is the scoped auditor's refused search (answered 400).
    expect(consoleErrors.filter((e) => !e.startsWith('Failed to load resource'))).toEqual([]);
    expect(consoleErrors.filter((e) => e.startsWith('Failed to load resource'))).toHaveLength(1);
    expect(foreignRequests).toEqual([]);
  });
});
