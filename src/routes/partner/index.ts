import { createRouter } from '../../lib/create-router';
import { PARTNER_ENDPOINTS } from '../../plaid/schemas';
import { registerPartnerEndpoint, registerPartnerSecuritySchemes } from './pipeline';

/** The seven partner endpoints (/processor/*): Plaid's API, with gateway tokens and keys. */
export const partnerRoutes = createRouter();

registerPartnerSecuritySchemes(partnerRoutes);
for (const endpoint of PARTNER_ENDPOINTS) registerPartnerEndpoint(partnerRoutes, endpoint);
