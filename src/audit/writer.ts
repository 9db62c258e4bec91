import type { AuditRecordInput } from './record';

/** The record as the app hands it to the writer (defined with every other audit field rule in ./record). */
export type { AuditRecordInput };

/** Appends records durably: append() resolves only once the record is committed. */
export interface AuditSink {
  append(record: AuditRecordInput): Promise<void>;
  /** Flushes anything pending (shutdown). */
  close(): Promise<void>;
}
