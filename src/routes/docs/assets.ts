/**
 * The API reference UI's files: Swagger UI's browser bundle and stylesheet from
 * the swagger-ui-dist package (pinned in package.json), served by the gateway
 * itself so that /docs needs no outside host.
 *
 * On Node they are read from node_modules once per process (and gzipped once,
 * for clients that accept it). On Workers they are text modules inside the
 * Worker bundle (./worker-assets.ts); Cloudflare's edge compresses them.
 */
import swaggerUiPackage from 'swagger-ui-dist/package.json';

/** The UI's version: part of every asset URL, so a new version is a new URL. */
export const UI_VERSION: string = swaggerUiPackage.version;

export type UiFile = 'swagger-ui-bundle.js' | 'swagger-ui.css';

export interface Asset {
  body: Uint8Array<ArrayBuffer>;
  /** The same bytes gzipped (Node only). */
  gzip?: Uint8Array<ArrayBuffer>;
}

const SPECIFIERS: Record<UiFile, string> = {
  'swagger-ui-bundle.js': 'swagger-ui-dist/swagger-ui-bundle.js',
  'swagger-ui.css': 'swagger-ui-dist/swagger-ui.css',
};

let loading: Promise<Record<UiFile, Asset>> | undefined;

/** The UI's files, loaded on first use and kept for the life of the process or isolate. */
export function uiAssets(): Promise<Record<UiFile, Asset>> {
  loading ??= load().catch((err: unknown) => {
    loading = undefined;
    throw err;
  });
  return loading;
}

async function load(): Promise<Record<UiFile, Asset>> {
  if (onWorkers()) {
    const { workerAssets } = await import('./worker-assets');
    // Encoded once: a TextEncoder's output never lives in a shared buffer.
    const encode = (text: string) => new TextEncoder().encode(text) as Uint8Array<ArrayBuffer>;
    return {
      'swagger-ui-bundle.js': { body: encode(workerAssets.bundle) },
      'swagger-ui.css': { body: encode(workerAssets.css) },
    };
  }
  return loadFromNodeModules();
}

function onWorkers(): boolean {
  return typeof navigator !== 'undefined' && navigator.userAgent === 'Cloudflare-Workers';
}

type GetBuiltinModule = (id: string) => unknown;

/** Node: the files as installed, resolved like an import from this module. */
function loadFromNodeModules(): Record<UiFile, Asset> {
  const getBuiltin = (globalThis as unknown as { process?: { getBuiltinModule?: GetBuiltinModule } }).process
    ?.getBuiltinModule;
  if (!getBuiltin) throw new Error('the API reference UI files cannot be loaded on this runtime');
  const { createRequire } = getBuiltin('node:module') as { createRequire(from: string): { resolve(id: string): string } };
  const { readFileSync } = getBuiltin('node:fs') as { readFileSync(path: string): Uint8Array<ArrayBuffer> };
  const { gzipSync } = getBuiltin('node:zlib') as { gzipSync(data: Uint8Array): Uint8Array<ArrayBuffer> };
  const resolve = createRequire(import.meta.url).resolve;
  const read = (file: UiFile): Asset => {
    const body = readFileSync(resolve(SPECIFIERS[file]));
    return { body, gzip: gzipSync(body) };
  };
  return { 'swagger-ui-bundle.js': read('swagger-ui-bundle.js'), 'swagger-ui.css': read('swagger-ui.css') };
}
