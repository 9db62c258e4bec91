import type { z } from '@hono/zod-openapi';
import { plaidErrorSchema } from '../plaid/schemas';

/**
 * Shapes shared by the Plaid-style route definitions (POST with a JSON body,
 * 200 with a JSON answer, 400 with Plaid's error object).
 */

/** A required JSON request body. */
export const jsonRequest = <T extends z.ZodType>(schema: T) =>
  ({ body: { required: true, content: { 'application/json': { schema } } } }) as const;

/** One JSON response. */
export const jsonResponse = <T extends z.ZodType>(description: string, schema: T) =>
  ({ description, content: { 'application/json': { schema } } }) as const;

/** A 400 answering Plaid's error object, described by `errors`. */
export const plaidErrorResponse = (errors: string) =>
  ({ 400: { description: `Plaid error: ${errors}`, content: { 'application/json': { schema: plaidErrorSchema } } } }) as const;

/** 200 with `schema`, and 400 with Plaid's error object described by `errors`. */
export const plaidResponses = <T extends z.ZodType>(description: string, schema: T, errors: string) =>
  ({ 200: jsonResponse(description, schema), ...plaidErrorResponse(errors) }) as const;
