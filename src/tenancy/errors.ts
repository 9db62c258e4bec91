import { PlaidError } from '../plaid/errors';

/**
 * Errors of the operator API. An unknown id answers Plaid's own "not found"
 * shape: HTTP 400, INVALID_REQUEST / NOT_FOUND (Plaid answers 400 for every
 * INVALID_REQUEST code, NOT_FOUND included), with a
 * message naming the kind of id, never its value.
 */
export function unknownId(field: 'partner_id' | 'fintech_id' | 'auditor_id'): PlaidError {
  return new PlaidError({
    type: 'INVALID_REQUEST',
    code: 'NOT_FOUND',
    message: `no ${field.replace('_id', '')} exists with this ${field}`,
  });
}

/** A reference to another record (e.g. an auditor's partner_id) that does not resolve. */
export function invalidReference(field: string, what: string): PlaidError {
  return new PlaidError({ type: 'INVALID_REQUEST', code: 'INVALID_FIELD', message: `${field} does not name ${what}` });
}

/** An update body with nothing to change. */
export function nothingToUpdate(fields: string[]): PlaidError {
  return new PlaidError({
    type: 'INVALID_REQUEST',
    code: 'MISSING_FIELDS',
    message: `at least one of the following fields is required: ${fields.join(', ')}`,
  });
}
