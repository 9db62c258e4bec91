/**
 * The audit record as the app hands it to the writer (before chaining).
 * Fields mirror the audit_events table; see src/db/schema.ts.
 */
export interface AuditRecordInput {
  occurredAt: string; // ISO-8601 with milliseconds, UTC
  requestId: string;
  actorType: string;
  actorId: string | null;
  partnerId: string | null;
  fintechId: string | null;
  tokenId: string | null;
  action: string;
  method: string;
  endpoint: string;
  product: string | null;
  decision: 'allow' | 'deny' | 'error';
  reason: string | null;
  httpStatus: number;
  plaidRequestId: string | null;
  plaidStatus: number | null;
  latencyMs: number;
  clientIp: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
  /**
   * The audit intent of this request (written by the admission before the call
   * went to Plaid): 'release' deletes it with this outcome record; 'claim'
   * appends this record only if it is the one that deletes it (folding).
   */
  intent?: 'release' | 'claim';
}

/** Appends records durably: append() resolves only once the record is committed. */
export interface AuditSink {
  append(record: AuditRecordInput): Promise<void>;
  /** Flushes anything pending (shutdown). */
  close(): Promise<void>;
}
