import { auditedChange } from '../../audit/middleware';
import { requireOperator } from '../../auth/credentials';
import { createRouter } from '../../lib/create-router';
import { auditorAdminRoutes } from './auditors';
import { fintechAdminRoutes } from './fintechs';
import { partnerAdminRoutes } from './partners';

/**
 * Operator API (/admin/*), `Authorization: Bearer $GATEWAY_ADMIN_KEY` on every
 * path (unknown /admin paths too, so their existence is not revealed). Every
 * request is audited; changes record the names of the fields changed, never
 * values, in the same transaction as the change.
 */
export const adminRoutes = createRouter();
adminRoutes.use('/admin/*', requireOperator());
// Each change commits together with its audit record (or neither does).
adminRoutes.use('/admin/*', auditedChange({ unless: async (c) => c.req.method === 'GET' }));
adminRoutes.route('/', partnerAdminRoutes);
adminRoutes.route('/', fintechAdminRoutes);
adminRoutes.route('/', auditorAdminRoutes);
