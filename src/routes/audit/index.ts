import { createRouter } from '../../lib/create-router';
import { auditApi } from './api';
import { renderAuditPage } from './page';

/**
 * Compliance API and page (/audit*): list, export and verify the trail
 * (see src/audit/ and docs/audit.md).
 */
export const auditRoutes = createRouter()
  .get('/audit', (c) => renderAuditPage(c))
  .route('/', auditApi);
