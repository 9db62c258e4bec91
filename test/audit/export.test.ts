/**
 * GET /audit/export: JSON Lines and CSV content (parsed back with a real CSV
 * parser), quoting and formula escaping, scope and filters, and a 5,000-record
 * export read as a stream over real HTTP.
 */
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_COLUMNS } from '../../src/audit/export';
import { bearer, call, startTestStack, type TestStack } from '../support/stack';
import { insertAuditorRow, insertPartnerRow } from '../support/tenants';
import { record } from '../support/audit';

let stack: TestStack;
let partnerA: string;
let partnerB: string;
let scopedKey: string;

beforeAll(async () => {
  stack = await startTestStack({ http: true });
  partnerA = await insertPartnerRow(stack.deps.db);
  partnerB = await insertPartnerRow(stack.deps.db);
  scopedKey = (await insertAuditorRow(stack.deps.db, partnerA)).key;
  await stack.deps.audit.append(
    record({
      partnerId: partnerA,
      reason: 'quote " comma , semicolon ;',
      userAgent: '=HYPERLINK("http://evil.example","click"), "quoted"',
      details: { fields_present: ['processor_token', 'options.count'], count: 2, flag: true, nested: { a: null } },
    }),
  );
  await stack.deps.audit.append(record({ partnerId: partnerB, decision: 'deny', httpStatus: 400, reason: 'INVALID_PRODUCT' }));
  await stack.deps.audit.append(record({ partnerId: partnerA, endpoint: '/processor/balance/get', product: 'balance', plaidStatus: null }));
});
afterAll(async () => stack?.close());

const exportOf = (query: string, key = stack.adminKey) =>
  call(stack.app, 'GET', `/audit/export?${query}`, { headers: bearer(key) });

/** An export's records, one JSON Lines line each (the body as text, never JSON-parsed whole). */
async function exportLines(query: string, key = stack.adminKey): Promise<any[]> {
  const res = await stack.app.request(`/audit/export?format=jsonl&${query}`, { headers: bearer(key) });
  expect(res.status).toBe(200);
  const text = await res.text();
  return text === '' ? [] : text.trimEnd().split('\n').map((l) => JSON.parse(l));
}

describe('GET /audit/export', () => {
  it('JSON Lines: one event per line, the same objects as /audit/events, as an attachment', async () => {
    const res = await exportOf('format=jsonl');
    expect(res.status).toBe(200);
    // The export's own audit record is committed before the stream starts, so it is in it.
    const again = await exportLines('');
    expect(again.at(-1)).toMatchObject({ action: 'audit.export', details: { filters: [], format: 'jsonl' } });
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="audit-\d{8}T\d{6}Z\.jsonl"$/);
    const text = String(res.body);
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l));
    const listed = await call(stack.app, 'GET', '/audit/events?limit=1000', { headers: bearer(stack.adminKey) });
    // The export is bounded at its start; the listing sees the export's own audit record too.
    expect(lines).toEqual(listed.body.events.slice(0, lines.length));
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines[0].details).toEqual({ fields_present: ['processor_token', 'options.count'], count: 2, flag: true, nested: { a: null } });
  });

  it('CSV: a header of every field, values that parse back exactly, formulas neutralized', async () => {
    const res = await exportOf(`format=csv&partner_id=${partnerA}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(/filename="audit-\d{8}T\d{6}Z\.csv"/);
    const rows: Record<string, string>[] = parse(String(res.body), { columns: true });
    const header = String(res.body).split('\n')[0]!.split(',');
    expect(header).toEqual([...EXPORT_COLUMNS]);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(rows.every((r) => r.partner_id === partnerA)).toBe(true);
    const first = rows[0]!;
    expect(first.reason).toBe('quote " comma , semicolon ;');
    // A cell a spreadsheet would run as a formula is prefixed with a quote.
    expect(first.user_agent).toBe(`'=HYPERLINK("http://evil.example","click"), "quoted"`);
    expect(JSON.parse(first.details!)).toEqual({ count: 2, fields_present: ['processor_token', 'options.count'], flag: true, nested: { a: null } });
    expect(first.seq).toMatch(/^\d+$/);
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
    const balance = rows.find((r) => r.endpoint === '/processor/balance/get')!;
    expect(balance.plaid_status).toBe(''); // null is an empty cell
    expect(balance.http_status).toBe('200');
  });

  it('an empty result is still a valid CSV with its header', async () => {
    const res = await exportOf('format=csv&partner_id=ptn_nobody');
    expect(res.status).toBe(200);
    expect(String(res.body)).toBe(`${EXPORT_COLUMNS.join(',')}\n`);
    expect(await exportLines('partner_id=ptn_nobody')).toEqual([]);
  });

  it('filters apply, and a scoped auditor exports only its partner', async () => {
    const lines = await exportLines('decision=deny');
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.every((e) => e.decision === 'deny')).toBe(true);
    const mine = await exportLines('', scopedKey);
    expect(mine.length).toBeGreaterThanOrEqual(2);
    expect(mine.every((e) => e.partner_id === partnerA)).toBe(true);
  });

  it('rejects an unknown format or field, and a missing key', async () => {
    expect((await exportOf('format=xml')).body.error_code).toBe('INVALID_FIELD');
    expect((await exportOf('format=csv&colour=red')).body.error_code).toBe('UNKNOWN_FIELDS');
    const anonymous = await call(stack.app, 'GET', '/audit/export?format=csv');
    expect(anonymous.status).toBe(400);
    expect(anonymous.body.error_code).toBe('INVALID_API_KEYS');
  });

  it('streams a 5,000-record export over HTTP in several chunks, every record once', async () => {
    const big = await insertPartnerRow(stack.deps.db, 'Big');
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 5000; i++) writes.push(stack.deps.audit.append(record({ partnerId: big, latencyMs: i })));
    await Promise.all(writes);
    for (const format of ['jsonl', 'csv'] as const) {
      const res = await fetch(`${stack.url}/audit/export?format=${format}&partner_id=${big}`, {
        headers: bearer(stack.adminKey),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-length')).toBeNull(); // not buffered: chunked
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      let chunks = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks += 1;
        text += decoder.decode(value, { stream: true });
      }
      expect(chunks).toBeGreaterThanOrEqual(5); // batches of 1,000 records
      if (format === 'jsonl') {
        const events = text.trimEnd().split('\n').map((l) => JSON.parse(l));
        expect(events).toHaveLength(5000);
        expect(new Set(events.map((e) => e.latency_ms)).size).toBe(5000);
        expect(events.every((e, i) => i === 0 || e.seq > events[i - 1].seq)).toBe(true);
      } else {
        const rows: Record<string, string>[] = parse(text, { columns: true });
        expect(rows).toHaveLength(5000);
        expect(new Set(rows.map((r) => r.seq)).size).toBe(5000);
      }
    }
  });
});
