/** The official plaid SDK pointed at the gateway with a fintech's (or partner's) gateway keys. */
import type { PlaidApi } from 'plaid';
import { plaidSdk } from '../support/sdk';
import type { TestStack } from '../support/stack';

export { sdkError } from '../support/sdk';

export function fintechSdk(stack: TestStack, client: { clientId: string; secret: string }): PlaidApi {
  return plaidSdk(stack.url, client);
}
