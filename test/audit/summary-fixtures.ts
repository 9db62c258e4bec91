/**
 * A known set of audit records for the overview tests (API and page): two
 * partners and records of no partner over 1-3 March 2031 (UTC), 2 March empty,
 * with denials, limiter refusals, Plaid errors and gateway errors.
 */
import type { AuditRecordInput } from '../../src/audit/writer';
import type { TestStack } from '../support/stack';
import { record } from '../support/audit';

/** One record: day of March 2031, partner, endpoint, decision, reason. */
export type Spec = [day: number, partner: 'A' | 'B' | null, endpoint: string, decision: 'allow' | 'deny' | 'error', reason: string | null];

export const AUTH = '/processor/auth/get';
export const BALANCE = '/processor/balance/get';

export const KNOWN: Spec[] = [
  [1, 'A', AUTH, 'allow', null],
  [1, 'A', AUTH, 'allow', null],
  [1, 'A', AUTH, 'allow', null],
  [1, 'A', BALANCE, 'deny', 'product_not_in_token_permissions'],
  [1, 'A', BALANCE, 'deny', 'rate_limited_partner'],
  [1, 'A', AUTH, 'allow', 'plaid_ITEM_LOGIN_REQUIRED'],
  [1, 'B', AUTH, 'allow', null],
  [1, 'B', BALANCE, 'allow', null],
  [1, 'B', AUTH, 'deny', 'token_revoked'],
  // 2 March: nothing.
  [3, 'A', AUTH, 'error', 'plaid_INTERNAL_SERVER_ERROR'],
  [3, 'A', AUTH, 'deny', 'rate_limited_token'],
  [3, 'A', BALANCE, 'error', 'upstream_timeout'],
  [3, 'B', BALANCE, 'deny', 'rate_limited_partner'],
  [3, 'B', AUTH, 'allow', 'plaid_ITEM_LOGIN_REQUIRED'],
  [3, null, '/admin/partners', 'allow', null],
  [3, null, '/admin/partners', 'deny', 'wrong_admin_key'],
];

/** The records' time range as query parameters (`to` exclusive). */
export const WINDOW = 'from=2031-03-01&to=2031-03-04';

/** Record `i` of the set, for the partner ids the test created. */
export function toRecord([day, partner, endpoint, decision, reason]: Spec, i: number, ids: Record<'A' | 'B', string>): AuditRecordInput {
  const partnerId = partner === null ? null : ids[partner];
  return record({
    occurredAt: new Date(Date.UTC(2031, 2, day, 8, i)).toISOString(),
    actorType: partnerId ? 'partner' : 'operator',
    actorId: partnerId ?? 'operator',
    partnerId,
    action: partnerId ? 'partner.call' : 'partner.create',
    endpoint,
    decision,
    reason,
    httpStatus: decision === 'allow' ? 200 : decision === 'deny' ? 400 : 500,
  });
}

/** Appends the whole set, in order. */
export async function appendKnown(stack: TestStack, ids: Record<'A' | 'B', string>): Promise<void> {
  for (const [i, spec] of KNOWN.entries()) await stack.deps.audit.append(toRecord(spec, i, ids));
}
