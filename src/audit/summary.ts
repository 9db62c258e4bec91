/**
 * The compliance overview behind GET /audit/summary: counts over the audit
 * records that match a set of filters, computed with SQL aggregates.
 *
 * - every query is bounded by the highest seq present when the summary starts
 *   (`as_of_seq`). The writer numbers records under the chain lock and commits
 *   before releasing it, so every record up to that seq is committed: the
 *   queries read one consistent set of records even while new ones arrive;
 * - days are UTC days;
 * - lists (by partner, endpoint, reason, Plaid error code) hold the largest
 *   groups, at most SUMMARY_LIST_LIMIT each; the records of the groups left out
 *   are counted in `others`, so every list still adds up to its total.
 */
import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Database, type Transaction } from '../db/database';
import { filterConditions, maxSeq, reasonColumn, type AuditFilters } from './query';

/** Largest number of groups a list holds. */
export const SUMMARY_LIST_LIMIT = 50;
/** Longest day series filled out to the requested range; a longer range shows the days from first to last record. */
export const SUMMARY_MAX_RANGE_DAYS = 366;

/** `reason` of a call the gateway's own rate limiter refused: `rate_limited_<scope>`. */
export const RATE_LIMITED_PREFIX = 'rate_limited_';
/** `reason` of a call Plaid answered with an error: `plaid_<error_code>`. */
export const PLAID_ERROR_PREFIX = 'plaid_';

export interface DecisionCounts {
  total: number;
  allow: number;
  deny: number;
  error: number;
}

export interface AuditSummary {
  /** Records up to this seq were counted (0: the trail was empty). */
  as_of_seq: number;
  total: number;
  by_decision: { allow: number; deny: number; error: number };
  /** Denied records by `reason` (null when a denial carried none). */
  denials_by_reason: { items: Array<{ reason: string | null; count: number }>; others: number };
  /** Records by partner (null: records that concern no partner, e.g. operator changes). */
  by_partner: { items: Array<{ partner_id: string | null } & DecisionCounts>; others: number };
  by_endpoint: { items: Array<{ endpoint: string } & DecisionCounts>; others: number };
  /** Calls refused by the gateway's rate limiter, by limit scope (`partner`, `token`). */
  rate_limited: { total: number; by_scope: Array<{ scope: string; count: number }> };
  /** Calls Plaid answered with an error, by Plaid `error_code`. */
  plaid_errors: { total: number; items: Array<{ error_code: string; count: number }>; others: number };
  /** One entry per UTC day, days without records included (count 0). */
  by_day: Array<{ day: string; rate_limited: number; plaid_errors: number } & DecisionCounts>;
}

type Row = Record<string, string | null>;

const n = (v: string | null | undefined) => (v === null || v === undefined ? 0 : Number(v));

const DECISION_COLUMNS = sql`count(*)::text as total,
  count(*) filter (where decision = 'allow')::text as allow,
  count(*) filter (where decision = 'deny')::text as deny,
  count(*) filter (where decision = 'error')::text as error`;

function decisionCounts(row: Row): DecisionCounts {
  return { total: n(row.total), allow: n(row.allow), deny: n(row.deny), error: n(row.error) };
}

function whereClause(conditions: SQL[]): SQL {
  return conditions.length > 0 ? sql` where ${sql.join(conditions, sql` and `)}` : sql``;
}

/**
 * The largest groups of `key` (by count, then key in byte order so PGlite and
 * Postgres agree), at most `limit`, plus one row (rank 0) summing the rest.
 */
async function topGroups(
  db: Database | Transaction,
  conditions: SQL[],
  key: SQL,
  limit: number,
): Promise<{ rows: Row[]; others: DecisionCounts }> {
  const rows = await queryRows<Row>(
    db,
    sql`with g as (
          select ${key} as key, ${DECISION_COLUMNS}, count(*) as n from audit_events${whereClause(conditions)} group by 1
        ), r as (
          select g.*, row_number() over (order by n desc, key collate "C" asc nulls first) as rank from g
        )
        select key, total, allow, deny, error, rank::text as rank from r where rank <= ${limit}
        union all
        select null, coalesce(sum(total::bigint), 0)::text, coalesce(sum(allow::bigint), 0)::text,
               coalesce(sum(deny::bigint), 0)::text, coalesce(sum(error::bigint), 0)::text, '0'
          from r where rank > ${limit}`,
  );
  const rest = rows.find((r) => r.rank === '0');
  const top = rows.filter((r) => r.rank !== '0').sort((a, b) => n(a.rank) - n(b.rank));
  return { rows: top, others: rest ? decisionCounts(rest) : { total: 0, allow: 0, deny: 0, error: 0 } };
}

/** The UTC day (YYYY-MM-DD) of an ISO instant. */
function utcDay(iso: string): string {
  return new Date(iso).toISOString().slice(0, 10);
}

/** Whole days from `a` to `b` (both YYYY-MM-DD). */
function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/**
 * The days the series covers: the requested range (`from`'s day to the day of
 * the last instant before `to`), each open end taken from the first or last
 * record. A range longer than SUMMARY_MAX_RANGE_DAYS shrinks to the days that
 * hold records. Undefined: nothing to show.
 */
function seriesDays(
  filters: AuditFilters,
  firstDay: string | null,
  lastDay: string | null,
): { lo: string; hi: string } | undefined {
  const lo = filters.from !== undefined ? utcDay(filters.from) : firstDay;
  const hi = filters.to !== undefined ? utcDay(new Date(Date.parse(filters.to) - 1).toISOString()) : lastDay;
  if (lo === null || hi === null || hi < lo) return undefined;
  if (daysBetween(lo, hi) + 1 <= SUMMARY_MAX_RANGE_DAYS) return { lo, hi };
  return firstDay !== null && lastDay !== null ? { lo: firstDay, hi: lastDay } : undefined;
}

/** The overview of the records matching `filters` (already narrowed to the reader's scope). */
export async function summarize(db: Database | Transaction, filters: AuditFilters): Promise<AuditSummary> {
  const asOf = await maxSeq(db);
  const where = [...filterConditions(filters), sql`seq <= ${asOf}`];
  const reason = reasonColumn(filters);
  const denied = [...where, sql`decision = 'deny'`];
  const rateLimited = [...where, sql`starts_with(reason, ${RATE_LIMITED_PREFIX})`];
  const plaidErrors = [...where, sql`starts_with(reason, ${PLAID_ERROR_PREFIX})`];
  const day = sql`(occurred_at at time zone 'UTC')::date`;

  const [totals] = await queryRows<Row>(
    db,
    sql`select ${DECISION_COLUMNS},
          count(*) filter (where starts_with(reason, ${RATE_LIMITED_PREFIX}))::text as rate_limited,
          count(*) filter (where starts_with(reason, ${PLAID_ERROR_PREFIX}))::text as plaid_errors,
          to_char(min(${day}), 'YYYY-MM-DD') as first_day,
          to_char(max(${day}), 'YYYY-MM-DD') as last_day
        from audit_events${whereClause(where)}`,
  );
  // One after the other: a summary should not take several pooled connections from the hot path at once.
  const reasons = await topGroups(db, denied, reason, SUMMARY_LIST_LIMIT);
  const partners = await topGroups(db, where, sql`partner_id`, SUMMARY_LIST_LIMIT);
  const endpoints = await topGroups(db, where, sql`endpoint`, SUMMARY_LIST_LIMIT);
  const scopes = await topGroups(db, rateLimited, sql`substr(reason, ${RATE_LIMITED_PREFIX.length + 1}::int)`, SUMMARY_LIST_LIMIT);
  const codes = await topGroups(db, plaidErrors, sql`substr(reason, ${PLAID_ERROR_PREFIX.length + 1}::int)`, SUMMARY_LIST_LIMIT);


  const range = seriesDays(filters, totals?.first_day ?? null, totals?.last_day ?? null);
  const series = range
    ? await queryRows<Row>(
        db,
        sql`with d as (
              select ${day} as day, decision, reason from audit_events${whereClause(where)}
            )
            select to_char(days.day, 'YYYY-MM-DD') as day,
              count(d.day)::text as total,
              count(d.day) filter (where d.decision = 'allow')::text as allow,
              count(d.day) filter (where d.decision = 'deny')::text as deny,
              count(d.day) filter (where d.decision = 'error')::text as error,
              count(d.day) filter (where starts_with(d.reason, ${RATE_LIMITED_PREFIX}))::text as rate_limited,
              count(d.day) filter (where starts_with(d.reason, ${PLAID_ERROR_PREFIX}))::text as plaid_errors
            from (select generate_series(${range.lo}::date, ${range.hi}::date, interval '1 day')::date as day) days
            left join d on d.day = days.day
            group by days.day
            order by days.day`,
      )
    : [];

  const t = totals ? decisionCounts(totals) : { total: 0, allow: 0, deny: 0, error: 0 };
  return {
    as_of_seq: asOf,
    total: t.total,
    by_decision: { allow: t.allow, deny: t.deny, error: t.error },
    denials_by_reason: {
      items: reasons.rows.map((r) => ({ reason: r.key ?? null, count: n(r.total) })),
      others: reasons.others.total,
    },
    by_partner: {
      items: partners.rows.map((r) => ({ partner_id: r.key ?? null, ...decisionCounts(r) })),
      others: partners.others.total,
    },
    by_endpoint: {
      items: endpoints.rows.map((r) => ({ endpoint: String(r.key), ...decisionCounts(r) })),
      others: endpoints.others.total,
    },
    rate_limited: {
      total: n(totals?.rate_limited),
      by_scope: scopes.rows.map((r) => ({ scope: String(r.key), count: n(r.total) })),
    },
    plaid_errors: {
      total: n(totals?.plaid_errors),
      items: codes.rows.map((r) => ({ error_code: String(r.key), count: n(r.total) })),
      others: codes.others.total,
    },
    by_day: series.map((r) => ({
      day: String(r.day),
      ...decisionCounts(r),
      rate_limited: n(r.rate_limited),
      plaid_errors: n(r.plaid_errors),
    })),
  };
}
