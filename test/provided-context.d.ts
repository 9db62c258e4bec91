// Values the vitest global setups hand to test files (`inject(...)`).
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    // Node suite (test/support/global-setup.ts)
    pgliteDump: string;
    pgTemplate: string;
    databaseUrl: string;
    /** The PostgreSQL server for the tests that need one (test/support/pg-server.ts), on its `postgres` database. */
    pgServerUrl: string;
    // workerd suite (test/worker/global-setup.ts)
    workerDatabaseUrl: string;
    emulatorUrl: string;
    /** A recording server: Plaid's webhooks to the Worker and the Worker's deliveries land here. */
    relayUrl: string;
    adminKey: string;
    encryptionKey: string;
    /** Control URL of the statement counter in front of the Worker's database (GET /count, POST /reset). */
    statementCounterUrl: string;
  }
}
