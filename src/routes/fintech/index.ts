import { createRouter } from '../../lib/create-router';
import { permissionRoutes } from './permissions';
import { tokenRoutes } from './tokens';

/**
 * Fintech API: token hand-over and token management, authenticated Plaid-style
 * with the fintech's gateway client_id/secret (headers or body). Every call
 * answers 200 with a request_id; errors are Plaid's. A fintech manages only the
 * tokens it imported (anything else: INVALID_PROCESSOR_TOKEN).
 *
 * Permission-set changes are enforced by the gateway and are not forwarded to
 * Plaid. Webhooks (set at import, or with /processor/token/webhook/update by
 * either party) are in src/routes/webhooks/.
 */

export const fintechRoutes = createRouter();
fintechRoutes.route('/', tokenRoutes);
fintechRoutes.route('/', permissionRoutes);
