/**
 * Validates JSON bodies against Plaid's official OpenAPI spec (vendored in
 * test/fixtures/plaid-openapi/), for emulator and gateway tests alike.
 *
 * The spec is OpenAPI 3.0, so before handing it to ajv (JSON Schema draft-07)
 * we convert what differs: `nullable: true` becomes "null or the schema"
 * (wrapped in anyOf, so it also works around `allOf`/`$ref` schemas), boolean
 * `exclusiveMinimum`/`exclusiveMaximum` become draft-07's numeric form, and
 * OpenAPI-only keywords are dropped. Formats ajv-formats does not know
 * (double, int32, url, ...) are accepted as-is.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { expect } from 'vitest';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const VENDORED_SPEC = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/plaid-openapi/2020-09-14.yml.gz');
const DROPPED_KEYWORDS = new Set(['example', 'examples', 'deprecated', 'discriminator', 'xml', 'externalDocs', 'readOnly', 'writeOnly']);

/** The spec's YAML text: PLAID_OPENAPI_SPEC (plain or .gz) when set, else the vendored copy. */
function specText(): string {
  const path = process.env.PLAID_OPENAPI_SPEC || VENDORED_SPEC;
  if (!existsSync(path)) throw new Error(`Plaid OpenAPI spec not found at ${path}`);
  const bytes = readFileSync(path);
  return (path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
}

/** OpenAPI 3.0 schema -> draft-07 JSON Schema (see the file comment). */
export function convertOas30(node: Json): Json {
  if (Array.isArray(node)) return node.map(convertOas30);
  if (node === null || typeof node !== 'object') return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-') || DROPPED_KEYWORDS.has(key) || key === 'nullable') continue;
    if ((key === 'exclusiveMinimum' || key === 'exclusiveMaximum') && typeof value === 'boolean') continue;
    out[key] = key === 'properties' || key === 'definitions' ? mapValues(value, convertOas30) : convertOas30(value);
  }
  // OAS 3.0 boolean exclusive bounds modify minimum/maximum.
  if (node.exclusiveMinimum === true && typeof out.minimum === 'number') {
    out.exclusiveMinimum = out.minimum;
    delete out.minimum;
  }
  if (node.exclusiveMaximum === true && typeof out.maximum === 'number') {
    out.exclusiveMaximum = out.maximum;
    delete out.maximum;
  }
  if (node.nullable === true) return { anyOf: [{ type: 'null' }, out] };
  return out;
}

function mapValues(value: Json, fn: (v: Json) => Json): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fn(v)]));
}

function collectFormats(node: Json, into: Set<string>): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => collectFormats(n, into));
  else if (node !== null && typeof node === 'object') {
    if (typeof node.format === 'string') into.add(node.format);
    Object.values(node).forEach((n) => collectFormats(n, into));
  }
  return into;
}

interface SpecValidator {
  ajv: Ajv;
  schemaNames: Set<string>;
  cache: Map<string, ValidateFunction>;
}

let validator: SpecValidator | undefined;

function load(): SpecValidator {
  if (validator) return validator;
  const spec = parse(specText()) as { components: { schemas: JsonObject } };
  const schemas = mapValues(spec.components.schemas, convertOas30) as JsonObject;
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  for (const format of collectFormats(schemas, new Set())) {
    if (!ajv.formats[format]) ajv.addFormat(format, true);
  }
  ajv.addSchema({ $id: 'plaid', components: { schemas } }, 'plaid');
  validator = { ajv, schemaNames: new Set(Object.keys(schemas)), cache: new Map() };
  return validator;
}

/** Errors (ajv's, as strings) of `body` against the spec's `components.schemas[schemaName]`; [] when valid. */
export function plaidSpecErrors(schemaName: string, body: unknown): string[] {
  const v = load();
  if (!v.schemaNames.has(schemaName)) throw new Error(`no schema named ${schemaName} in the Plaid spec`);
  let validate = v.cache.get(schemaName);
  if (!validate) {
    validate = v.ajv.getSchema(`plaid#/components/schemas/${schemaName}`);
    if (!validate) throw new Error(`could not compile ${schemaName}`);
    v.cache.set(schemaName, validate);
  }
  if (validate(body)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

/** Asserts that `body` validates against the named Plaid schema (e.g. ProcessorAuthGetResponse). */
export function expectValidPlaid(schemaName: string, body: unknown): void {
  expect(plaidSpecErrors(schemaName, body), `${schemaName}: ${JSON.stringify(body).slice(0, 500)}`).toEqual([]);
}

export interface ExpectedPlaidError {
  error_type?: string;
  error_code?: string;
}

/**
 * Asserts that `body` is Plaid's error object (valid against the spec's PlaidError,
 * with a request_id) and, when given, has the expected type/code.
 */
export function expectPlaidError(body: unknown, expected: ExpectedPlaidError = {}): void {
  expectValidPlaid('PlaidError', body);
  expect(body).toBeTypeOf('object');
  const error = body as Record<string, unknown>;
  expect(typeof error.request_id, 'error bodies carry request_id').toBe('string');
  expect((error.request_id as string).length).toBeGreaterThan(0);
  if (expected.error_type) expect(error.error_type).toBe(expected.error_type);
  if (expected.error_code) expect(error.error_code).toBe(expected.error_code);
}
