/**
 * GET /docs: the API reference (Swagger UI) for /openapi.json, served entirely
 * by the gateway. The page, the UI's script and stylesheet and the script that
 * starts it all come from this origin, under a CSP that lets nothing else in:
 * no CDN, no fonts, no telemetry, no inline script or style. It works offline,
 * on Node and on Workers.
 *
 * Every URL on the page is relative (`docs/assets/…`, `openapi.json`), so it
 * also works when the gateway sits under a path prefix behind a proxy.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../../context';
import { createRouter } from '../../lib/create-router';
import { errors } from '../../plaid/errors';
import { UI_VERSION, uiAssets, type UiFile } from './assets';

export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/**
 * Starts the UI on the page's one element. Only settings that keep every
 * request on this origin are changed: no online validator (its badge is an
 * image from another host) and no spec URL taken from the page's query string.
 */
const INIT_SCRIPT = `'use strict';
window.ui = SwaggerUIBundle({
  url: 'openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  queryConfigEnabled: false,
});
`;

const UI_DIR = `swagger-ui-dist@${UI_VERSION}`;
const INIT_FILE = `init.${fnv1a(INIT_SCRIPT)}.js`;

/** Asset paths under /docs/assets/: the UI's carry its version, the init script its content hash. */
const ASSETS: Record<string, { type: string; file?: UiFile }> = {
  [`${UI_DIR}/swagger-ui-bundle.js`]: { type: 'text/javascript; charset=utf-8', file: 'swagger-ui-bundle.js' },
  [`${UI_DIR}/swagger-ui.css`]: { type: 'text/css; charset=utf-8', file: 'swagger-ui.css' },
  [INIT_FILE]: { type: 'text/javascript; charset=utf-8' },
};

/** Versioned URLs never change content: any cache may keep them for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Processor partner gateway API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="docs/assets/${UI_DIR}/swagger-ui.css">
</head>
<body>
<noscript><p>The API reference needs JavaScript. The OpenAPI document itself is at <a href="openapi.json">/openapi.json</a>.</p></noscript>
<div id="swagger-ui"></div>
<script src="docs/assets/${UI_DIR}/swagger-ui-bundle.js"></script>
<script src="docs/assets/${INIT_FILE}"></script>
</body>
</html>
`;

export const docsRoutes = createRouter();

docsRoutes.get('/docs', (c) => {
  c.header('content-security-policy', DOCS_CSP);
  return c.html(PAGE);
});

docsRoutes.get('/docs/assets/*', async (c) => {
  const name = c.req.path.slice('/docs/assets/'.length);
  const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (!asset) throw errors.notFound();
  c.header('content-type', asset.type);
  c.header('cache-control', IMMUTABLE);
  if (!asset.file) return c.body(INIT_SCRIPT);
  const { body, gzip } = (await uiAssets())[asset.file];
  if (gzip) c.header('vary', 'accept-encoding');
  if (gzip && acceptsGzip(c)) {
    c.header('content-encoding', 'gzip');
    return c.body(gzip);
  }
  return c.body(body);
});

/** Whether the client accepts gzip (listed, and not with q=0). */
function acceptsGzip(c: Context<AppEnv>): boolean {
  return (c.req.header('accept-encoding') ?? '').split(',').some((part) => {
    const [coding, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    return coding === 'gzip' && (q === undefined || Number(q.slice(2)) > 0);
  });
}

/** A short content hash (FNV-1a, 32 bits) for cache-busting the init script's URL. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}
