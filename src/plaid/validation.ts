import type { z } from 'zod';
import { PlaidError, errors } from './errors';

/**
 * Turns zod's issues into the one Plaid error a client would get for them.
 *
 * Plaid reports one problem class per response, in this priority: missing
 * fields, then unknown fields, then the first invalid field. Messages name
 * fields, never their values (values may be secrets or account data).
 */
export function plaidErrorFromZod(error: z.ZodError, input: unknown): PlaidError {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return errors.invalidBody('request body must be a JSON object');
  }
  const missing: string[] = [];
  const unknown: string[] = [];
  let firstInvalid: string | undefined;

  for (const issue of error.issues) {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) unknown.push(joinPath([...path, key]));
      continue;
    }
    if (issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined) {
      missing.push(joinPath(path));
      continue;
    }
    firstInvalid ??= describeIssue(issue, joinPath(path));
  }

  if (missing.length > 0) return errors.missingFields(missing);
  if (unknown.length > 0) return errors.unknownFields(unknown);
  return errors.invalidField(firstInvalid ?? 'the request body is invalid');
}

function describeIssue(issue: z.core.$ZodIssue, field: string): string {
  switch (issue.code) {
    case 'invalid_type':
      return `${field} must be of type ${issue.expected}`;
    case 'invalid_value':
      return `${field} must be one of: ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'too_small':
      return `${field} is too small (minimum ${String(issue.minimum)})`;
    case 'too_big':
      return `${field} is too large (maximum ${String(issue.maximum)})`;
    case 'invalid_format':
      // 'regex' is zod's name for a pattern check; say what the caller can act on.
      return issue.format === 'regex' ? `${field} is not in the expected format` : `${field} must be a valid ${issue.format}`;
    default:
      return `${field} is invalid${issue.message ? `: ${issue.message}` : ''}`;
  }
}

function joinPath(path: string[]): string {
  return path.length === 0 ? 'body' : path.join('.');
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}
