import { parseEnv } from '../config';
import { openNodeDatabase } from '../node/deps';
import { buildConfig } from '../config';
import type { CliContext } from './main';

/** `db migrate`: applies drizzle/ to DATABASE_URL (or PGlite). Needed before the Worker serves. */
export const commands = {
  async migrate(ctx: CliContext) {
    const env = parseEnv(process.env);
    // Keys are irrelevant to migrating; placeholders satisfy the config check.
    const config = buildConfig(env, { adminKey: 'x'.repeat(32), encryptionKey: btoa('k'.repeat(32)) });
    const handle = await openNodeDatabase(config);
    await handle.close();
    ctx.out(`migrated ${config.databaseUrl ? 'postgres' : `pglite:${config.pgliteDataDir}`}`);
    return 0;
  },
};
