import type { Database } from '../db/database';
import { auditEvents } from '../db/schema';
import type { AuditRecordInput, AuditSink } from './writer';

/**
 * PLACEHOLDER (issue 7 replaces it): inserts records one by one, without the
 * hash chain. The real writer chains and group-commits.
 */
export function createAuditWriter(db: Database): AuditSink {
  return {
    async append(record: AuditRecordInput) {
      await db.insert(auditEvents).values({ ...record, prevHash: '', hash: '' });
    },
    async close() {},
  };
}
