import { openDatabaseFromEnv } from '../node/deps';
import type { Command } from './io';

/** `db migrate`: applies drizzle/ to DATABASE_URL (or PGlite). Needed before the Worker serves. */
export const commands: Record<string, Command> = {
  async migrate(ctx) {
    const handle = await openDatabaseFromEnv(ctx.env);
    await handle.close();
    ctx.out(`migrated ${handle.kind === 'postgres' ? 'postgres' : 'pglite'}`);
    return 0;
  },
};
