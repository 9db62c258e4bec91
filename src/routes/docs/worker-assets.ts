/**
 * The reference UI's files on Workers: bundled by wrangler as text modules (the
 * "Text" rule in wrangler.toml), so they ship inside the Worker itself. Loaded
 * only on Workers (see ./assets.ts); Node reads the same files from
 * node_modules instead.
 */
/// <reference path="./text-modules.d.ts" />
import bundle from 'swagger-ui-dist/swagger-ui-bundle.js';
import css from 'swagger-ui-dist/swagger-ui.css';

export const workerAssets = { bundle, css };
