import { openDatabaseFromEnv } from '../node/deps';
import type { CliContext } from './main';

/** `db migrate`: applies drizzle/ to DATABASE_URL (or PGlite). Needed before the Worker serves. */
export const commands = {
  async migrate(ctx: CliContext) {
    const handle = await openDatabaseFromEnv(process.env);
    await handle.close();
    ctx.out(`migrated ${handle.kind === 'postgres' ? 'postgres' : 'pglite'}`);
    return 0;
  },
};
