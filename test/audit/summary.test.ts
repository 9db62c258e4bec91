/**
 * GET /audit/summary over the whole app and a real database: the counts for a
 * known set of records (compared with counts made in JavaScript from the same
 * list), the filters and the time range, partner-scoped auditors, empty
 * ranges and an empty trail, the cap on list length, parameter errors, and a
 * real partner flow whose rate-limited call and Plaid error show up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUMMARY_LIST_LIMIT } from '../../src/audit/summary';
import { expectPlaidError } from '../support/plaid-spec';
import { bearer, call, startTestStack, type TestStack } from '../support/stack';
import { createFintech, createPartner, importToken, insertAuditorRow, insertPartnerRow, plaidHeaders } from '../support/tenants';
import { record } from '../support/audit';
import { appendKnown, AUTH, BALANCE, KNOWN, WINDOW, type Spec } from './summary-fixtures';
import { emulatorPost } from '../support/http';

let stack: TestStack;
let partnerA: string;
let partnerB: string;
let allKey: string;
let scopedKey: string;
let scopedAuditorId: string;

const get = (path: string, key: string = stack.adminKey) => call(stack.app, 'GET', path, { headers: bearer(key) });

/** What the summary should say about `specs`, counted here in JavaScript. */
function expected(specs: Spec[], ids: Record<'A' | 'B', string>) {
  const tally = <K extends string | null>(keyOf: (s: Spec) => K, of: Spec[] = specs) => {
    const m = new Map<K, { total: number; allow: number; deny: number; error: number }>();
    for (const s of of) {
      const k = keyOf(s);
      const row = m.get(k) ?? { total: 0, allow: 0, deny: 0, error: 0 };
      row.total += 1;
      row[s[3]] += 1;
      m.set(k, row);
    }
    return m;
  };
  const starts = (p: string) => (s: Spec) => s[4]?.startsWith(p) ?? false;
  return {
    total: specs.length,
    by_decision: {
      allow: specs.filter((s) => s[3] === 'allow').length,
      deny: specs.filter((s) => s[3] === 'deny').length,
      error: specs.filter((s) => s[3] === 'error').length,
    },
    denialsByReason: Object.fromEntries(
      [...tally((s) => s[4], specs.filter((s) => s[3] === 'deny'))].map(([k, v]) => [k, v.total]),
    ),
    byPartner: Object.fromEntries([...tally((s) => (s[1] ? ids[s[1]] : 'null'))]),
    byEndpoint: Object.fromEntries([...tally((s) => s[2])]),
    rateLimited: specs.filter(starts('rate_limited_')).length,
    byScope: Object.fromEntries(
      [...tally((s) => s[4]!.slice('rate_limited_'.length), specs.filter(starts('rate_limited_')))].map(([k, v]) => [k, v.total]),
    ),
    plaidErrors: Object.fromEntries(
      [...tally((s) => s[4]!.slice('plaid_'.length), specs.filter(starts('plaid_')))].map(([k, v]) => [k, v.total]),
    ),
  };
}

const asMap = <T extends Record<string, any>>(items: T[], key: keyof T, value?: keyof T) =>
  Object.fromEntries(
    items.map((i) => {
      const { [key]: k, ...rest } = i;
      return [k === null ? 'null' : k, value ? i[value] : rest];
    }),
  );

beforeAll(async () => {
  stack = await startTestStack();
  partnerA = await insertPartnerRow(stack.deps.db, 'A');
  partnerB = await insertPartnerRow(stack.deps.db, 'B');
  allKey = (await insertAuditorRow(stack.deps.db, null)).key;
  const scoped = await insertAuditorRow(stack.deps.db, partnerA);
  scopedKey = scoped.key;
  scopedAuditorId = scoped.id;
  await appendKnown(stack, { A: partnerA, B: partnerB });
});
afterAll(async () => stack?.close());

describe('GET /audit/summary', () => {
  it('counts the records of a time range: decisions, reasons, partners, endpoints, rate limits, Plaid errors', async () => {
    const res = await get(`/audit/summary?${WINDOW}`, allKey);
    expect(res.status).toBe(200);
    const body = res.body;
    const want = expected(KNOWN, { A: partnerA, B: partnerB });
    expect(body).toMatchObject({
      from: '2031-03-01T00:00:00.000Z',
      to: '2031-03-04T00:00:00.000Z',
      scope: null,
      total: 16,
      by_decision: { allow: 8, deny: 6, error: 2 },
      rate_limited: { total: 3 },
      plaid_errors: { total: 3, others: 0 },
      request_id: expect.any(String),
    });
    expect(body.as_of_seq).toBeGreaterThanOrEqual(16);
    expect({ total: body.total, by_decision: body.by_decision }).toEqual({ total: want.total, by_decision: want.by_decision });

    expect(asMap(body.denials_by_reason.items, 'reason', 'count')).toEqual(want.denialsByReason);
    expect(body.denials_by_reason.items[0]).toEqual({ reason: 'rate_limited_partner', count: 2 }); // largest first
    expect(asMap(body.by_partner.items, 'partner_id')).toEqual(want.byPartner);
    expect(body.by_partner.items.map((p: any) => p.partner_id)).toEqual([partnerA, partnerB, null]); // 9, 5, 2
    expect(asMap(body.by_endpoint.items, 'endpoint')).toEqual(want.byEndpoint);
    expect(asMap(body.rate_limited.by_scope, 'scope', 'count')).toEqual(want.byScope);
    expect(body.rate_limited.by_scope).toEqual([
      { scope: 'partner', count: 2 },
      { scope: 'token', count: 1 },
    ]);
    expect(body.plaid_errors.items).toEqual([
      { error_code: 'ITEM_LOGIN_REQUIRED', count: 2 },
      { error_code: 'INTERNAL_SERVER_ERROR', count: 1 },
    ]);
    expect(asMap(body.plaid_errors.items, 'error_code', 'count')).toEqual(want.plaidErrors);
    for (const list of [body.denials_by_reason, body.by_partner, body.by_endpoint]) expect(list.others).toBe(0);
  });

  it('has one entry per UTC day of the range, the empty day included', async () => {
    const res = await get(`/audit/summary?${WINDOW}`, allKey);
    expect(res.body.by_day).toEqual([
      { day: '2031-03-01', total: 9, allow: 6, deny: 3, error: 0, rate_limited: 1, plaid_errors: 1 },
      { day: '2031-03-02', total: 0, allow: 0, deny: 0, error: 0, rate_limited: 0, plaid_errors: 0 },
      { day: '2031-03-03', total: 7, allow: 2, deny: 3, error: 2, rate_limited: 2, plaid_errors: 2 },
    ]);
    // The range runs to the last instant before `to`: a `to` at noon includes that day.
    const noon = await get('/audit/summary?from=2031-02-27&to=2031-03-03T08:10:00Z', allKey);
    expect(noon.body.by_day.map((d: any) => [d.day, d.total])).toEqual([
      ['2031-02-27', 0],
      ['2031-02-28', 0],
      ['2031-03-01', 9],
      ['2031-03-02', 0],
      ['2031-03-03', 1],
    ]);
    expect(noon.body.total).toBe(10);
    // A time zone other than UTC moves the bounds, not the days.
    const offset = await get('/audit/summary?from=2031-03-03T09:00:00%2B02:00&to=2031-03-04T00:00:00%2B02:00', allKey);
    expect(offset.body.from).toBe('2031-03-03T07:00:00.000Z');
    expect(offset.body.by_day.map((d: any) => d.day)).toEqual(['2031-03-03']);
    expect(offset.body.total).toBe(7);
  });

  it('takes the same filters as /audit/events', async () => {
    const b = await get(`/audit/summary?${WINDOW}&partner_id=${partnerB}`, allKey);
    expect(b.body).toMatchObject({ total: 5, by_decision: { allow: 3, deny: 2, error: 0 }, rate_limited: { total: 1 } });
    expect(b.body.by_partner.items).toEqual([{ partner_id: partnerB, total: 5, allow: 3, deny: 2, error: 0 }]);

    const denied = await get(`/audit/summary?${WINDOW}&decision=deny&endpoint=${BALANCE}`, allKey);
    expect(denied.body).toMatchObject({ total: 3, by_decision: { allow: 0, deny: 3, error: 0 } });
    expect(denied.body.by_endpoint.items).toEqual([{ endpoint: BALANCE, total: 3, allow: 0, deny: 3, error: 0 }]);
    expect(denied.body.denials_by_reason.items).toEqual([
      { reason: 'rate_limited_partner', count: 2 },
      { reason: 'product_not_in_token_permissions', count: 1 },
    ]);

    // The events API lists the same records the summary counts.
    const events = await get(`/audit/events?${WINDOW}&decision=deny&endpoint=${BALANCE}`, allKey);
    expect(events.body.events).toHaveLength(3);
  });

  it('a partner-scoped auditor counts only its partner, whatever it asks', async () => {
    const res = await get(`/audit/summary?${WINDOW}`, scopedKey);
    expect(res.status).toBe(200);
    const want = expected(
      KNOWN.filter((s) => s[1] === 'A'),
      { A: partnerA, B: partnerB },
    );
    expect(res.body).toMatchObject({ scope: partnerA, total: 9, by_decision: want.by_decision });
    expect(res.body.by_partner.items).toEqual([{ partner_id: partnerA, total: 9, allow: 4, deny: 3, error: 2 }]);
    expect(asMap(res.body.denials_by_reason.items, 'reason', 'count')).toEqual(want.denialsByReason);
    expect(res.body.rate_limited.by_scope).toEqual([
      { scope: 'partner', count: 1 },
      { scope: 'token', count: 1 },
    ]);
    expect(res.body.plaid_errors.items).toEqual([
      { error_code: 'INTERNAL_SERVER_ERROR', count: 1 },
      { error_code: 'ITEM_LOGIN_REQUIRED', count: 1 },
    ]);
    expect(res.body.by_day.map((d: any) => d.total)).toEqual([6, 0, 3]);
    expect(JSON.stringify(res.body)).not.toContain(partnerB);
    expect(JSON.stringify(res.body)).not.toContain('wrong_admin_key');

    // Unbounded, too: never another partner's records, nor those of no partner.
    const all = await get('/audit/summary', scopedKey);
    expect(all.body.by_partner.items.map((p: any) => p.partner_id)).toEqual([partnerA]);

    const other = await get(`/audit/summary?partner_id=${partnerB}`, scopedKey);
    expect(other.status).toBe(400);
    expectPlaidError(other.body, { error_type: 'INVALID_REQUEST', error_code: 'INVALID_FIELD' });
    expect(other.body.error_message).toMatch(/partner_id/);
  });

  it('an empty range answers zeros, and a day series of zeros', async () => {
    const res = await get('/audit/summary?from=2040-01-01&to=2040-01-03', allKey);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      total: 0,
      by_decision: { allow: 0, deny: 0, error: 0 },
      denials_by_reason: { items: [], others: 0 },
      by_partner: { items: [], others: 0 },
      by_endpoint: { items: [], others: 0 },
      rate_limited: { total: 0, by_scope: [] },
      plaid_errors: { total: 0, items: [], others: 0 },
    });
    expect(res.body.by_day).toEqual([
      { day: '2040-01-01', total: 0, allow: 0, deny: 0, error: 0, rate_limited: 0, plaid_errors: 0 },
      { day: '2040-01-02', total: 0, allow: 0, deny: 0, error: 0, rate_limited: 0, plaid_errors: 0 },
    ]);
    // `to` not after `from`: nothing at all.
    const backwards = await get('/audit/summary?from=2031-03-04&to=2031-03-01', allKey);
    expect(backwards.body).toMatchObject({ total: 0, by_day: [] });
    // A range too long to draw day by day shrinks to the days that hold records.
    const long = await get('/audit/summary?from=2000-01-01&to=2031-03-04', allKey);
    expect(long.body.by_day.at(-1).day).toBe('2031-03-03');
    expect(long.body.by_day.length).toBeLessThan(3000);
    expect(long.body.by_day.reduce((sum: number, d: any) => sum + d.total, 0)).toBe(long.body.total);
  });

  it('an empty trail: zeros, as_of_seq 0, no days', async () => {
    const other = await startTestStack({ emulator: stack.emulator });
    try {
      const res = await call(other.app, 'GET', '/audit/summary', { headers: bearer(other.adminKey) });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ as_of_seq: 0, total: 0, by_day: [], by_partner: { items: [], others: 0 } });
    } finally {
      await other.close();
    }
  });

  it(`lists the ${SUMMARY_LIST_LIMIT} largest groups and counts the rest in others`, async () => {
    const extra = SUMMARY_LIST_LIMIT + 5;
    for (let i = 0; i < extra; i++) {
      // Endpoint /many/00 gets 2 records, the others 1: it must come first.
      for (let k = 0; k < (i === 0 ? 2 : 1); k++) {
        await stack.deps.audit.append(
          record({ endpoint: `/many/${String(i).padStart(2, '0')}`, occurredAt: new Date(Date.UTC(2032, 0, 1, 0, i, k)).toISOString() }),
        );
      }
    }
    const res = await get('/audit/summary?from=2032-01-01&to=2032-01-02', allKey);
    expect(res.body.total).toBe(extra + 1);
    expect(res.body.by_endpoint.items).toHaveLength(SUMMARY_LIST_LIMIT);
    expect(res.body.by_endpoint.items[0]).toMatchObject({ endpoint: '/many/00', total: 2 });
    // Ties in byte order: the last listed is /many/49, the five after it are counted in others.
    expect(res.body.by_endpoint.items.at(-1).endpoint).toBe(`/many/${SUMMARY_LIST_LIMIT - 1}`);
    expect(res.body.by_endpoint.others).toBe(5);
    const listed = res.body.by_endpoint.items.reduce((sum: number, e: any) => sum + e.total, 0);
    expect(listed + res.body.by_endpoint.others).toBe(res.body.total);
  });

  it('is recorded as audit.summary with the names of the filters, not their values', async () => {
    const res = await get(`/audit/summary?${WINDOW}&partner_id=${partnerA}`, scopedKey);
    const mine = await get(`/audit/events?partner_id=${partnerA}&order=desc&limit=20`, allKey);
    const event = mine.body.events.find((e: any) => e.request_id === res.body.request_id);
    expect(event).toMatchObject({
      action: 'audit.summary',
      actor_type: 'auditor',
      actor_id: scopedAuditorId,
      partner_id: partnerA,
      endpoint: '/audit/summary',
      decision: 'allow',
      details: { filters: ['partner_id', 'from', 'to'] },
    });
  });

  it('is described in /openapi.json with its response schema', async () => {
    const res = await call(stack.app, 'GET', '/openapi.json');
    const op = res.body.paths['/audit/summary'].get;
    expect(op.tags).toEqual(['Compliance']);
    expect(op.parameters.map((p: any) => p.name)).toEqual(
      expect.arrayContaining(['partner_id', 'fintech_id', 'token', 'endpoint', 'decision', 'from', 'to']),
    );
    expect(op.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/AuditSummary');
    expect(Object.keys(res.body.components.schemas.AuditSummary.properties)).toEqual([
      'from', 'to', 'scope', 'as_of_seq', 'total', 'by_decision', 'denials_by_reason', 'by_partner', 'by_endpoint',
      'rate_limited', 'plaid_errors', 'by_day', 'request_id',
    ]);
  });

  it('refuses bad parameters and missing keys with Plaid errors', async () => {
    for (const [query, code] of [
      ['from=yesterday', 'INVALID_FIELD'],
      ['to=2031-03-01T10:00:00', 'INVALID_FIELD'],
      ['decision=maybe', 'INVALID_FIELD'],
      ['limit=5', 'UNKNOWN_FIELDS'],
    ] as const) {
      const res = await get(`/audit/summary?${query}`, allKey);
      expect(res.status, query).toBe(400);
      expectPlaidError(res.body, { error_type: 'INVALID_REQUEST', error_code: code });
    }
    const anonymous = await call(stack.app, 'GET', '/audit/summary');
    expect(anonymous.status).toBe(400);
    expect(anonymous.body.error_code).toBe('INVALID_API_KEYS');
  });
});

describe('a real partner flow in the summary', () => {
  it('counts the limiter refusal as rate_limited_token and Plaid ITEM_LOGIN_REQUIRED as a Plaid error', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const partner = await createPartner(stack, {
      name: 'Limited',
      rate_limits: { token: { [BALANCE]: { limit: 1, window_seconds: 3600 } } },
    });
    const fintech = await createFintech(stack);
    const token = await importToken(stack, { partner, fintech });
    const partnerCall = (path: string) =>
      call(stack.app, 'POST', path, { body: { processor_token: token.gatewayToken }, headers: plaidHeaders(partner) });

    expect((await partnerCall(AUTH)).status).toBe(200);
    expect((await partnerCall(BALANCE)).status).toBe(200);
    const limited = await partnerCall(BALANCE);
    expect(limited.status).toBe(429);
    const reset = await emulatorPost(stack, '/sandbox/processor_token/reset_login', { processor_token: token.rawToken });
    expect(reset.status).toBe(200);
    const plaidError = await partnerCall(AUTH);
    expect(plaidError.body.error_code).toBe('ITEM_LOGIN_REQUIRED');

    const res = await get(`/audit/summary?partner_id=${partner.id}&from=${encodeURIComponent(since)}`, allKey);
    expect(res.status).toBe(200);
    // partner.create, token.import and the four calls concern this partner.
    expect(res.body).toMatchObject({
      total: 6,
      by_decision: { allow: 5, deny: 1, error: 0 },
      denials_by_reason: { items: [{ reason: 'rate_limited_token', count: 1 }] },
      rate_limited: { total: 1, by_scope: [{ scope: 'token', count: 1 }] },
      plaid_errors: { total: 1, items: [{ error_code: 'ITEM_LOGIN_REQUIRED', count: 1 }] },
    });
    expect(asMap(res.body.by_endpoint.items, 'endpoint', 'total')).toEqual({
      [AUTH]: 2,
      [BALANCE]: 2,
      '/admin/partners': 1,
      '/gateway/processor_token/import': 1,
    });
    const sum = (field: string) => res.body.by_day.reduce((total: number, d: any) => total + d[field], 0);
    expect([sum('total'), sum('deny'), sum('rate_limited'), sum('plaid_errors')]).toEqual([6, 1, 1, 1]);
  });
});
