import { createRouter } from '../../lib/create-router';

/** Fintech API (/gateway/processor_token/*, /processor/token/*): see issue 4. */
export const fintechRoutes = createRouter();
