/**
 * Compliance API: list, export, summarize and verify the audit trail. Operator or auditor
 * keys only (requireAuditReader); an auditor scoped to a partner sees only that
 * partner's records, enforced in every query.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { exportStream, EXPORT_CONTENT_TYPES, toApiEvent } from '../../audit/export';
import { DECISIONS, STORED_FIELDS } from '../../audit/record';
import { columnOf, countPartnerRecords, decodeCursor, encodeCursor, fetchRecords, type AuditFilters } from '../../audit/query';
import { SUMMARY_LIST_LIMIT, summarize } from '../../audit/summary';
import { verifyChain } from '../../audit/verify';
import { countInWindow } from '../../ratelimit/window-counter';
import { requireAuditReader } from '../../auth/credentials';
import type { AppEnv } from '../../context';
import { createRouter } from '../../lib/create-router';
import { errors, PlaidError } from '../../plaid/errors';

const ISO_INSTANT_RE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2}))?$/;
const isoInstant = z
  .string()
  .refine((v) => ISO_INSTANT_RE.test(v) && !Number.isNaN(Date.parse(v)), {
    message: 'must be an ISO-8601 date (2024-05-01) or date-time with a time zone (2024-05-01T12:00:00Z)',
  })
  .optional();

const FilterParams = {
  partner_id: z.string().min(1).max(128).optional().openapi({ description: 'Partner id (ptn_...)' }),
  fintech_id: z.string().min(1).max(128).optional().openapi({ description: 'Fintech id (ftc_...)' }),
  token: z
    .string()
    .regex(/^tok_[A-Za-z0-9_]{1,64}$/, 'must be a gateway token id (tok_...), never the token itself')
    .optional()
    .openapi({ description: 'Gateway token id (tok_...); never the token itself' }),
  endpoint: z.string().min(1).max(256).optional().openapi({ description: 'Exact path, e.g. /processor/auth/get' }),
  decision: z.enum(DECISIONS).optional(),
  from: isoInstant.openapi({ description: 'Records at or after this instant (ISO-8601)' }),
  to: isoInstant.openapi({ description: 'Records before this instant (ISO-8601)' }),
};

const EventsQuery = z.strictObject({
  ...FilterParams,
  cursor: z.string().max(200).optional().openapi({ description: 'next_cursor of the previous page' }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  order: z.enum(['asc', 'desc']).default('asc').openapi({ description: 'asc: chain order (default); desc: newest first' }),
});

const ExportQuery = z.strictObject({ ...FilterParams, format: z.enum(['jsonl', 'csv']).default('jsonl') });

const SummaryQuery = z.strictObject(FilterParams);

const seqParam = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional();
const VerifyQuery = z.strictObject({
  from_seq: seqParam,
  to_seq: seqParam,
  full: z
    .enum(['true', 'false'])
    .optional()
    .openapi({ description: 'true: walk from seq 1 even past a checkpoint (limited per reader: AUDIT_FULL_VERIFY_PER_MINUTE)' }),
});

/** One stored field in the API: its JSON type and nullability follow its column. */
function eventField(field: (typeof STORED_FIELDS)[number]) {
  const column = columnOf(field);
  const type =
    column.dataType === 'json' ? z.record(z.string(), z.unknown()) : column.dataType === 'number' ? z.number().int() : z.string();
  return column.notNull ? type : type.nullable();
}

/** An audit event: every stored field (src/audit/record.ts), in order. */
export const AuditEventSchema = z
  .object(Object.fromEntries(STORED_FIELDS.map((field) => [field, eventField(field)])))
  .openapi('AuditEvent');

const EventsResponse = z
  .object({ events: z.array(AuditEventSchema), next_cursor: z.string().nullable(), request_id: z.string() })
  .openapi('AuditEvents');

const VerifyResponse = z
  .object({
    ok: z.boolean(),
    checked: z.number().int(),
    first_bad_seq: z.number().int().optional(),
    reason: z.string().optional(),
    message: z.string().optional(),
    from_seq: z.number().int().optional(),
    to_seq: z.number().int().optional(),
    last_hash: z.string().optional(),
    scope: z.string().optional(),
    records_in_scope: z.number().int().optional().openapi({ description: "Scoped auditor: how many of the walked records are its partner's" }),
    request_id: z.string(),
  })
  .openapi('AuditVerification');

const count = z.number().int().min(0);
const decisionCounts = { total: count, allow: count, deny: count, error: count };
const others = count.openapi({ description: `Records in the groups after the first ${SUMMARY_LIST_LIMIT}` });

const SummaryResponse = z
  .object({
    from: z.string().nullable().openapi({ description: 'The from filter, normalized to UTC (null: none)' }),
    to: z.string().nullable().openapi({ description: 'The to filter, normalized to UTC (null: none)' }),
    scope: z.string().nullable().openapi({ description: "The partner a scoped auditor is limited to (null: unscoped)" }),
    as_of_seq: count.openapi({ description: 'Records up to this seq were counted (0: empty trail)' }),
    total: count.openapi({ description: 'Records matching the filters' }),
    by_decision: z.object({ allow: count, deny: count, error: count }),
    denials_by_reason: z.object({
      items: z.array(z.object({ reason: z.string().nullable(), count })),
      others,
    }),
    by_partner: z.object({
      items: z.array(z.object({ partner_id: z.string().nullable(), ...decisionCounts })),
      others,
    }),
    by_endpoint: z.object({ items: z.array(z.object({ endpoint: z.string(), ...decisionCounts })), others }),
    rate_limited: z
      .object({ total: count, by_scope: z.array(z.object({ scope: z.string(), count })) })
      .openapi({ description: "Calls refused by the gateway's rate limiter (reason rate_limited_<scope>)" }),
    plaid_errors: z
      .object({ total: count, items: z.array(z.object({ error_code: z.string(), count })), others })
      .openapi({ description: 'Calls Plaid answered with an error (reason plaid_<error_code>)' }),
    by_day: z
      .array(
        z.object({
          day: z.string().openapi({ description: 'UTC day, YYYY-MM-DD' }),
          ...decisionCounts,
          rate_limited: count,
          plaid_errors: count,
        }),
      )
      .openapi({ description: 'Every UTC day of the range, days without records included' }),
    request_id: z.string(),
  })
  .openapi('AuditSummary');

const security = [{ bearer: [] }];

/** Names the read in its audit record once the reader is authenticated (so a refused query is recorded as such). */
function auditAction(action: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.get('audit').action = action;
    return next();
  };
}
const errorResponse = { description: 'Plaid-shaped error (INVALID_REQUEST, INVALID_API_KEYS)' };

const eventsRoute = createRoute({
  method: 'get',
  path: '/audit/events',
  tags: ['Compliance'],
  summary: 'List audit records',
  description: 'Keyset-paginated by seq. A partner-scoped auditor sees only its partner.',
  security,
  middleware: [requireAuditReader(), auditAction('audit.events')] as const,
  request: { query: EventsQuery },
  responses: {
    200: { description: 'A page of records', content: { 'application/json': { schema: EventsResponse } } },
    400: errorResponse,
  },
});

const exportRoute = createRoute({
  method: 'get',
  path: '/audit/export',
  tags: ['Compliance'],
  summary: 'Export audit records (streamed JSON Lines or CSV)',
  security,
  middleware: [requireAuditReader(), auditAction('audit.export')] as const,
  request: { query: ExportQuery },
  responses: {
    200: {
      description: 'The records in seq order, as an attachment',
      content: {
        'application/x-ndjson': { schema: z.string() },
        'text/csv': { schema: z.string() },
      },
    },
    400: errorResponse,
  },
});

const summaryRoute = createRoute({
  method: 'get',
  path: '/audit/summary',
  tags: ['Compliance'],
  summary: 'Summarize audit records (counts for the compliance overview)',
  description:
    'Counts of the records matching the filters (the same as /audit/events): by decision, denials by reason, by partner, by endpoint, rate-limited calls, Plaid error codes, and per UTC day. A partner-scoped auditor counts only its partner.',
  security,
  middleware: [requireAuditReader(), auditAction('audit.summary')] as const,
  request: { query: SummaryQuery },
  responses: {
    200: { description: 'The counts', content: { 'application/json': { schema: SummaryResponse } } },
    400: errorResponse,
  },
});

const verifyRoute = createRoute({
  method: 'get',
  path: '/audit/verify',
  tags: ['Compliance'],
  summary: 'Verify the hash chain',
  description:
    'Walks what was appended since the last clean verification (from its checkpoint, after checking that record still holds its hash), or from_seq..to_seq, or everything with full=true (limited per reader). ok=false names the first bad record for the operator and unscoped auditors; a partner-scoped auditor gets pass/fail and the count of its own records only.',
  security,
  middleware: [requireAuditReader(), auditAction('audit.verify')] as const,
  request: { query: VerifyQuery },
  responses: {
    200: { description: 'The verdict', content: { 'application/json': { schema: VerifyResponse } } },
    400: errorResponse,
  },
});

/** The filters the caller asked for, narrowed to the auditor's partner when it has one. */
function scopedFilters(
  c: Context<AppEnv>,
  q: z.infer<typeof ExportQuery> | z.infer<typeof EventsQuery> | z.infer<typeof SummaryQuery>,
): AuditFilters {
  const principal = c.get('principal');
  const scope = principal?.kind === 'auditor' ? principal.partnerId : null;
  if (scope && q.partner_id !== undefined && q.partner_id !== scope) {
    throw new PlaidError({
      type: 'INVALID_REQUEST',
      code: 'INVALID_FIELD',
      message: 'partner_id is outside the partner this auditor may read',
    });
  }
  const instant = (v: string | undefined) => (v === undefined ? undefined : new Date(v).toISOString());
  return {
    partnerId: scope ?? q.partner_id,
    fintechId: q.fintech_id,
    tokenId: q.token,
    endpoint: q.endpoint,
    decision: q.decision,
    from: instant(q.from),
    to: instant(q.to),
    ...(scope ? { partnerView: true } : {}),
  };
}

/** Names (never values) of the filters used, for the read's own audit record. */
function filterNames(q: Record<string, unknown>): string[] {
  return Object.keys(FilterParams).filter((k) => q[k] !== undefined);
}

export const auditApi = createRouter()
  .openapi(eventsRoute, async (c) => {
    const q = c.req.valid('query');
    const filters = scopedFilters(c, q);
    let afterSeq: number | undefined;
    if (q.cursor !== undefined) {
      const cursor = decodeCursor(q.cursor);
      if (!cursor || cursor.order !== q.order) throw errors.invalidField('cursor is invalid for this query');
      afterSeq = cursor.seq;
    }
    const audit = c.get('audit');
    audit.details = { filters: filterNames(q), limit: q.limit, order: q.order, cursor: q.cursor !== undefined };
    const rows = await fetchRecords(c.get('deps').db, filters, { afterSeq, order: q.order, limit: q.limit + 1 });
    const page = rows.slice(0, q.limit);
    const nextCursor = rows.length > q.limit ? encodeCursor(page[page.length - 1]!.seq, q.order) : null;
    audit.details.returned = page.length;
    return c.json({ events: page.map(toApiEvent), next_cursor: nextCursor, request_id: c.get('requestId') }, 200);
  })
  .openapi(exportRoute, async (c) => {
    const q = c.req.valid('query');
    const filters = scopedFilters(c, q);
    c.get('audit').details = { filters: filterNames(q), format: q.format };
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    c.header('content-type', EXPORT_CONTENT_TYPES[q.format]);
    c.header('content-disposition', `attachment; filename="audit-${stamp}.${q.format}"`);
    c.header('cache-control', 'no-store');
    return c.body(exportStream(c.get('deps').db, filters, q.format), 200);
  })
  .openapi(summaryRoute, async (c) => {
    const q = c.req.valid('query');
    const filters = scopedFilters(c, q);
    c.get('audit').details = { filters: filterNames(q) };
    const summary = await summarize(c.get('deps').db, filters);
    const principal = c.get('principal');
    return c.json(
      {
        from: filters.from ?? null,
        to: filters.to ?? null,
        scope: principal?.kind === 'auditor' ? principal.partnerId : null,
        ...summary,
        request_id: c.get('requestId'),
      },
      200,
    );
  })
  .openapi(verifyRoute, async (c) => {
    const q = c.req.valid('query');
    if (q.from_seq !== undefined && q.to_seq !== undefined && q.to_seq < q.from_seq) {
      throw errors.invalidField('to_seq must not be less than from_seq');
    }
    const ranged = q.from_seq !== undefined || q.to_seq !== undefined;
    const full = q.full === 'true';
    if (full) await limitFullVerifications(c);
    const db = c.get('deps').db;
    const result = await verifyChain(db, { fromSeq: q.from_seq, toSeq: q.to_seq, incremental: !ranged && !full });
    c.get('audit').details = {
      ok: result.ok,
      checked: result.checked,
      ...(result.first_bad_seq !== undefined ? { first_bad_seq: result.first_bad_seq } : {}),
      ranged,
      full,
    };
    const principal = c.get('principal');
    if (principal?.kind === 'auditor' && principal.partnerId) {
      // Scoped: the walk covers the whole chain (a partner's records are only as
      // trustworthy as the chain around them), but other partners' records are
      // not described, not even by their number: pass/fail and its own count.
      return c.json(
        {
          ok: result.ok,
          checked: 0,
          records_in_scope: await countPartnerRecords(db, principal.partnerId, result.from_seq, result.to_seq),
          ...(result.ok
            ? {}
            : { message: 'the audit chain failed verification; the operator can see which record is affected' }),
          scope: principal.partnerId,
          request_id: c.get('requestId'),
        },
        200,
      );
    }
    return c.json({ ...result, request_id: c.get('requestId') }, 200);
  });

/**
 * A full walk re-hashes the whole chain: each reader (the operator, each
 * auditor) may start AUDIT_FULL_VERIFY_PER_MINUTE of them a minute.
 */
async function limitFullVerifications(c: Context<AppEnv>): Promise<void> {
  const deps = c.get('deps');
  const principal = c.get('principal');
  const key = `vf:${principal?.kind === 'auditor' ? principal.id : 'operator'}`;
  const counted = await countInWindow(deps.db, [key], {
    windowSeconds: 60,
    nowMs: deps.clock().getTime(),
    timeoutMs: deps.config.databaseTimeoutMs,
  });
  if ((counted.counts.get(key) ?? 0) > deps.config.auditFullVerifyPerMinute) {
    throw errors.tooManyRequests(
      `full verifications are limited to ${deps.config.auditFullVerifyPerMinute} a minute per reader; a verification without full=true checks what is new`,
      counted.retryAfterSeconds,
    );
  }
}
