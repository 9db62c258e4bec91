/**
 * Exports of the trail as JSON Lines or CSV, produced batch by batch (keyset
 * pagination on seq) so memory stays constant whatever the size: the HTTP route
 * wraps the generator in a pull-based ReadableStream, the CLI writes it to a
 * file with backpressure.
 *
 * The export is bounded by the highest seq at its start, so it is a consistent
 * prefix of the chain (plus filters) even while records keep arriving.
 */
import { stringify } from 'csv-stringify/sync';
import type { Database } from '../db/database';
import { canonicalJson } from './canonical';
import { STORED_FIELDS, type StoredRecord } from './record';
import { fetchRecords, maxSeq, type AuditFilters } from './query';

export type ExportFormat = 'jsonl' | 'csv';

/** CSV columns: every stored field, `details` as canonical JSON text. */
export const EXPORT_COLUMNS = STORED_FIELDS;

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  jsonl: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

/** The event as the API shows it (snake_case, fixed field order). */
export function toApiEvent(record: StoredRecord): StoredRecord {
  const out = {} as Record<string, unknown>;
  for (const column of EXPORT_COLUMNS) out[column] = record[column];
  return out as unknown as StoredRecord;
}

export async function* exportChunks(
  db: Database,
  filters: AuditFilters,
  format: ExportFormat,
  options: { batchSize?: number } = {},
): AsyncGenerator<string> {
  const batchSize = options.batchSize ?? 1000;
  const bound = await maxSeq(db);
  let after: number | undefined;
  let first = true;
  for (;;) {
    const batch = await fetchRecords(db, filters, { afterSeq: after, maxSeq: bound, order: 'asc', limit: batchSize });
    if (format === 'csv' && first && batch.length === 0) {
      yield stringify([], { header: true, columns: [...EXPORT_COLUMNS] });
    }
    if (batch.length === 0) return;
    yield format === 'jsonl' ? toJsonLines(batch) : toCsv(batch, first);
    first = false;
    after = batch[batch.length - 1]!.seq;
    if (batch.length < batchSize) return;
  }
}

function toJsonLines(batch: StoredRecord[]): string {
  let out = '';
  for (const record of batch) out += `${JSON.stringify(toApiEvent(record))}\n`;
  return out;
}

function toCsv(batch: StoredRecord[], header: boolean): string {
  const rows = batch.map((r) => EXPORT_COLUMNS.map((c) => (c === 'details' ? canonicalJson(r.details) : r[c])));
  return stringify(rows, {
    header,
    columns: [...EXPORT_COLUMNS],
    // A cell starting with = + - @ would run as a formula in a spreadsheet: prefix it with '.
    escape_formulas: true,
    cast: { number: (n) => String(n) },
  });
}

/** A pull-based byte stream of the export: the next batch is read only when the client takes the last one. */
export function exportStream(db: Database, filters: AuditFilters, format: ExportFormat): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let chunks: AsyncGenerator<string> | undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        chunks ??= exportChunks(db, filters, format);
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      },
      async cancel() {
        await chunks?.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
}
