import { createRouter } from '../../lib/create-router';

/** Compliance API and page (/audit*): see issue 7. */
export const auditRoutes = createRouter();
