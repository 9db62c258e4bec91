import { createRouter } from '../../lib/create-router';
import { PARTNER_ENDPOINT_SPECS } from './endpoints';
import { registerPartnerEndpoint, registerPartnerSecuritySchemes } from './pipeline';

/** The seven partner endpoints (/processor/*): Plaid's API, with gateway tokens and keys. */
export const partnerRoutes = createRouter();

registerPartnerSecuritySchemes(partnerRoutes);
for (const spec of PARTNER_ENDPOINT_SPECS) registerPartnerEndpoint(partnerRoutes, spec);
