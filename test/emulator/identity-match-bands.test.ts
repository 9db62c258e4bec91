import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBusinessName, scoreName } from '../../src/emulator/identity-match';
import { expectValidPlaid } from '../support/plaid-spec';
import { startEmulatorHarness, type Harness } from './harness';

let h: Harness;
let token: string;
beforeAll(async () => {
  h = await startEmulatorHarness();
  token = await h.newToken();
});
afterAll(() => h.close());

const match = async (legal_name: string) => {
  const { data } = await h.plaid.processorIdentityMatch({ processor_token: token, user: { legal_name } });
  expectValidPlaid('ProcessorIdentityMatchResponse', data);
  return (data.account as any).legal_name;
};

describe('/processor/identity/match: name-score bands and business names', () => {
  it.each(['Acme Holdings LLC', 'Charleson Corp', 'Widgets Inc.', 'Tea Traders Ltd', 'Foo L.L.C.', 'Bar Incorporated'])(
    'detects the business name %j',
    async (name) => {
      const legal = await match(name);
      expect(legal.is_business_name_detected).toBe(true);
      expect(legal.score).toBeLessThan(70);
    },
  );

  it('a personal name is not a business name', async () => {
    expect((await match('Alberta Charleson')).is_business_name_detected).toBe(false);
    expect(isBusinessName('Lincoln Coleman')).toBe(false);
  });

  it('a different first name with the same last name is "unlikely match, likely relative" (50-69)', async () => {
    const relative = await match('Jane Charleson');
    expect(relative.score).toBeGreaterThanOrEqual(50);
    expect(relative.score).toBeLessThanOrEqual(69);
    expect(relative.is_first_name_or_last_name_match).toBe(true);
    expect(relative.is_nickname_match).toBe(false);
  });

  it("follows the score table's examples (Andrew Smith against each)", () => {
    const score = (name: string) => scoreName(name, 'Andrew Smith')!.score;
    expect(score('Andrew Smith')).toBe(100);
    expect(score('Andrew Simth')).toBeGreaterThanOrEqual(85);
    const relative = score('Betty Smith');
    expect(relative).toBeGreaterThanOrEqual(50);
    expect(relative).toBeLessThanOrEqual(69);
    expect(score('Ray Charles')).toBeLessThan(50);
  });
});
