import { createRouter } from '../../lib/create-router';

/** Operator API (/admin/*): see issue 4. */
export const adminRoutes = createRouter();
