import { createRouter } from '../../lib/create-router';

/** The seven partner endpoints (/processor/*): see issue 5. */
export const partnerRoutes = createRouter();
