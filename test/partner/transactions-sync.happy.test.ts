import type { PlaidApi, Transaction } from 'plaid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectPlaidError, expectValidPlaid } from '../support/plaid-spec';
import { startTestStack, type TestStack } from '../support/stack';
import { auditRecordFor } from '../support/audit';
import { createFintech, createPartner, importToken, type Partner, type Token } from '../support/tenants';
import { emulatorPost } from '../support/http';
import { plaidSdk, sdkError } from '../support/sdk';

let stack: TestStack;
let partner: Partner;
let sdk: PlaidApi;
beforeAll(async () => {
  stack = await startTestStack({ http: true });
  partner = await createPartner(stack);
  sdk = plaidSdk(stack.url, partner);
});
afterAll(async () => stack?.close());

async function newToken(): Promise<Token> {
  return importToken(stack, { partner, fintech: await createFintech(stack) });
}

const emulator = (path: string, body: Record<string, unknown>) => emulatorPost(stack, path, body);

describe('/processor/transactions/sync through the gateway', () => {
  it('pages through the whole history; cursors pass through untouched', async () => {
    const token = await newToken();
    const seen: Transaction[] = [];
    let cursor: string | undefined;
    let pages = 0;
    for (;;) {
      const { data } = await sdk.processorTransactionsSync({ processor_token: token.gatewayToken, cursor, count: 50 });
      expectValidPlaid('ProcessorTransactionsSyncResponse', data);
      pages++;
      // The same cursor sent to Plaid directly with the raw token gives the same next_cursor.
      const direct = await emulator('/processor/transactions/sync', { processor_token: token.rawToken, cursor, count: 50 });
      expect(direct.body.next_cursor).toBe(data.next_cursor);
      seen.push(...data.added);
      cursor = data.next_cursor;
      if (!data.has_more) break;
    }
    expect(pages).toBeGreaterThan(1);
    expect(seen.length).toBeGreaterThan(50);
    expect(new Set(seen.map((t) => t.transaction_id)).size).toBe(seen.length);

    // Nothing new: an empty page with the same position.
    const { data: idle } = await sdk.processorTransactionsSync({ processor_token: token.gatewayToken, cursor });
    expect(idle.added).toEqual([]);
    expect(idle.has_more).toBe(false);
    const record = await auditRecordFor(stack, idle.request_id);
    expect(record.details).toEqual({ fields_present: ['cursor', 'processor_token'] });
    expect(JSON.stringify(record)).not.toContain(cursor!);
  });

  it('answers TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION when data changes mid-pagination, and a restart from the first cursor succeeds', async () => {
    const token = await newToken();
    const first = await sdk.processorTransactionsSync({ processor_token: token.gatewayToken, count: 25 });
    expect(first.data.has_more).toBe(true);
    const historySize = first.data.added.length;

    // New transactions arrive while the partner is between pages.
    const added = await emulator('/sandbox/processor_token/transactions/add', { processor_token: token.rawToken, count: 3 });
    expect(added.status).toBe(200);
    expect(added.body.added).toHaveLength(3);

    const failed = await sdkError(
      sdk.processorTransactionsSync({ processor_token: token.gatewayToken, cursor: first.data.next_cursor, count: 25 }),
    );
    expect(failed.status).toBe(400);
    expectPlaidError(failed.body, { error_type: 'TRANSACTIONS_ERROR', error_code: 'TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION' });
    const record = await auditRecordFor(stack, failed.body.request_id);
    expect(record).toMatchObject({ decision: 'allow', reason: 'plaid_TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION', plaidStatus: 400 });

    // Restart the whole update from its first cursor (here: no cursor) and page to the end.
    const all: Transaction[] = [];
    let cursor: string | undefined;
    for (;;) {
      const { data } = await sdk.processorTransactionsSync({ processor_token: token.gatewayToken, cursor, count: 25 });
      all.push(...data.added);
      cursor = data.next_cursor;
      if (!data.has_more) break;
    }
    const ids = new Set(all.map((t) => t.transaction_id));
    for (const id of added.body.added as string[]) expect(ids.has(id)).toBe(true);
    expect(all.length).toBeGreaterThanOrEqual(historySize + 3);
  });

  it('delivers later additions on the next sync from the final cursor', async () => {
    const token = await newToken();
    let cursor: string | undefined;
    for (;;) {
      const { data } = await sdk.processorTransactionsSync({ processor_token: token.gatewayToken, cursor, count: 500 });
      cursor = data.next_cursor;
      if (!data.has_more) break;
    }
    const added = await emulator('/sandbox/processor_token/transactions/add', { processor_token: token.rawToken, count: 2 });
    const { data } = await sdk.processorTransactionsSync({ processor_token: token.gatewayToken, cursor });
    expect(data.added.map((t) => t.transaction_id).sort()).toEqual([...(added.body.added as string[])].sort());
  });

  it("passes Plaid's INVALID_FIELD through for a cursor that is not Plaid's", async () => {
    const token = await newToken();
    const failed = await sdkError(sdk.processorTransactionsSync({ processor_token: token.gatewayToken, cursor: 'not-a-cursor' }));
    expect(failed.status).toBe(400);
    expectPlaidError(failed.body, { error_code: 'INVALID_FIELD' });
  });
});
