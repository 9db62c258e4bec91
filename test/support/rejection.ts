/** What a promise rejected with, for tests of failures that are not HTTP answers. */
import { expect } from 'vitest';

/** The error `promise` rejected with, checked to be an instance of `type` (fails if it resolved). */
export async function rejectionOf<E>(promise: Promise<unknown>, type: abstract new (...args: any[]) => E): Promise<E> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(type);
  return error as E;
}
