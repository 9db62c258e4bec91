import type { AccountIdentityMatchScore, IdentityMatchUser, Owner } from '../plaid/schemas';

/**
 * Identity match scoring (0-100 per field, null when either side is missing,
 * best score over the account's owners), following the bands Plaid documents:
 * names 100 exact / 85-99 strong / 70-84 partial / <70 mismatch; phone and
 * e-mail 100 exact / 70-99 partial (extensions, `+` tags) / <70 mismatch;
 * addresses 100 exact / 90-99 strong / 80-89 partial / <80 weak.
 *
 * Names: normalized tokens, compared first-to-first and last-to-last with
 * Jaro-Winkler (a nickname of the first name counts almost as a match; a middle
 * name present on one side only costs a little). Deliberately small, but it
 * orders typos, nicknames, partial and wrong names sensibly. A different first
 * name with the same last name lands in 50-69 ("unlikely match, likely
 * relative"); business-name suffixes set is_business_name_detected.
 */

type MatchFields = Pick<AccountIdentityMatchScore, 'legal_name' | 'phone_number' | 'email_address' | 'address'>;

export function jaroWinkler(a: string, b: string): number {
  if (a === b) return a.length === 0 ? 0 : 1;
  if (!a.length || !b.length) return 0;
  const window = Math.max(0, Math.floor(Math.max(a.length, b.length) / 2) - 1);
  const aMatched = new Array<boolean>(a.length).fill(false);
  const bMatched = new Array<boolean>(b.length).fill(false);
  let matches = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = Math.max(0, i - window); j < Math.min(b.length, i + window + 1); j++) {
      if (bMatched[j] || a[i] !== b[j]) continue;
      aMatched[i] = bMatched[j] = true;
      matches++;
      break;
    }
  }
  if (matches === 0) return 0;
  let transpositions = 0;
  let k = 0;
  for (let i = 0; i < a.length; i++) {
    if (!aMatched[i]) continue;
    while (!bMatched[k]) k++;
    if (a[i] !== b[k]) transpositions++;
    k++;
  }
  const jaro = (matches / a.length + matches / b.length + (matches - transpositions / 2) / matches) / 3;
  let prefix = 0;
  while (prefix < 4 && a[prefix] === b[prefix]) prefix++;
  return jaro + prefix * 0.1 * (1 - jaro);
}

/** A small nickname table (formal name -> common short forms). */
const NICKNAMES: Record<string, string[]> = {
  alberta: ['al', 'bert', 'berta', 'allie'],
  alexander: ['alex', 'xander', 'sandy'],
  andrew: ['andy', 'drew'],
  anthony: ['tony'],
  benjamin: ['ben', 'benny'],
  charles: ['charlie', 'chuck'],
  christopher: ['chris', 'topher'],
  daniel: ['dan', 'danny'],
  edward: ['ed', 'eddie', 'ted'],
  elizabeth: ['liz', 'beth', 'lizzy', 'eliza', 'betty'],
  james: ['jim', 'jimmy', 'jamie'],
  jennifer: ['jen', 'jenn', 'jenny'],
  joseph: ['joe', 'joey'],
  katherine: ['kate', 'katie', 'kathy'],
  margaret: ['maggie', 'meg', 'peggy'],
  matthew: ['matt'],
  michael: ['mike', 'mikey'],
  nicholas: ['nick'],
  patricia: ['pat', 'patty', 'trish'],
  richard: ['rick', 'rich', 'dick'],
  robert: ['rob', 'bob', 'bobby', 'bert'],
  samuel: ['sam'],
  steven: ['steve'],
  susan: ['sue', 'suzy'],
  thomas: ['tom', 'tommy'],
  william: ['will', 'bill', 'billy', 'liam'],
};

export function isNickname(a: string, b: string): boolean {
  return Boolean(NICKNAMES[a]?.includes(b) || NICKNAMES[b]?.includes(a));
}

const TITLES = new Set(['mr', 'mrs', 'ms', 'miss', 'dr', 'jr', 'sr', 'ii', 'iii', 'iv']);

function nameTokens(name: string): string[] {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z\s-]/g, '')
    .split(/[\s-]+/)
    .filter((t) => t && !TITLES.has(t));
}

interface NameScore {
  score: number;
  firstOrLast: boolean;
  nickname: boolean;
  business: boolean;
}

/**
 * Strings indicative of a business name. Plaid: is_business_name_detected "Is
 * true if the name on either of the names that was matched for the score
 * contained strings indicative of a business name, such as "CORP", "LLC",
 * "INC", or "LTD"" (plus their spelled-out and dotted forms: "L.L.C.",
 * "Incorporated", "Limited", ...).
 */
const BUSINESS_WORDS = new Set([
  'llc', 'inc', 'corp', 'ltd', 'corporation', 'incorporated', 'limited', 'llp', 'lllp', 'pllc', 'plc', 'company', 'co',
]);

export function isBusinessName(name: string): boolean {
  return name
    .toLowerCase()
    .replace(/[.,]/g, '')
    .split(/[\s-]+/)
    .some((t) => BUSINESS_WORDS.has(t));
}

/** A first name this far from the other (Jaro-Winkler) is another person's, not a typo of it. */
const DIFFERENT_FIRST_NAME = 0.85;

export function scoreName(input: string, owner: string): NameScore | null {
  const a = nameTokens(input);
  const b = nameTokens(owner);
  if (!a.length || !b.length) return null;
  const business = isBusinessName(input) || isBusinessName(owner);
  if (a.join(' ') === b.join(' ')) return { score: 100, firstOrLast: true, nickname: false, business };
  if ([...a].sort().join(' ') === [...b].sort().join(' ')) return { score: 95, firstOrLast: true, nickname: false, business };
  const [aFirst, aLast] = [a[0]!, a[a.length - 1]!];
  const [bFirst, bLast] = [b[0]!, b[b.length - 1]!];
  const nickname = isNickname(aFirst, bFirst);
  const firstSim = aFirst === bFirst ? 1 : nickname ? 0.9 : jaroWinkler(aFirst, bFirst);
  const lastSim = a.length === 1 || b.length === 1 ? Math.max(jaroWinkler(aLast, bLast), jaroWinkler(aFirst, bLast)) : jaroWinkler(aLast, bLast);
  let score = 100 * (0.4 * firstSim + 0.6 * lastSim);
  if (a.length !== b.length) score -= 3; // a middle name on one side only
  if (a.length === 1 || b.length === 1) score = Math.min(score, 75); // a single name is at best a partial match
  // Same last name, a clearly different first name (neither a typo nor a
  // nickname of it): Plaid's name-score table puts this at 50-69, "Unlikely
  // match, likely relative" (its example: Andrew Smith against Betty Smith).
  if (a.length > 1 && b.length > 1 && lastSim >= 0.95 && !nickname && firstSim < DIFFERENT_FIRST_NAME) {
    score = 50 + 19 * (firstSim / DIFFERENT_FIRST_NAME);
  }
  return {
    score: Math.max(0, Math.min(99, Math.round(score))),
    firstOrLast: aFirst === bFirst || aLast === bLast || nickname,
    nickname,
    business,
  };
}

function phoneDigits(value: string): string {
  const digits = value.replace(/\D/g, '');
  return digits.length === 11 && digits.startsWith('1') ? digits.slice(1) : digits;
}

export function scorePhone(input: string, owner: string): number | null {
  // Extensions ("x123") are handled separately: same number, different extension = partial.
  const [aMain = '', aExt = ''] = input.toLowerCase().split(/x|ext\.?/);
  const [bMain = '', bExt = ''] = owner.toLowerCase().split(/x|ext\.?/);
  const a = phoneDigits(aMain);
  const b = phoneDigits(bMain);
  if (!a || !b) return null;
  if (a === b) return aExt.replace(/\D/g, '') === bExt.replace(/\D/g, '') ? 100 : 90;
  let same = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[a.length - 1 - i] === b[b.length - 1 - i]) same++;
  return Math.round((60 * same) / Math.max(a.length, b.length));
}

export function scoreEmail(input: string, owner: string): number | null {
  const a = input.trim().toLowerCase();
  const b = owner.trim().toLowerCase();
  if (!a.includes('@') || !b.includes('@')) return a && b ? Math.round(50 * jaroWinkler(a, b)) : null;
  if (a === b) return 100;
  const [aLocal = '', aDomain = ''] = a.split('@');
  const [bLocal = '', bDomain = ''] = b.split('@');
  const strip = (local: string) => local.split('+')[0]!.replace(/\./g, '');
  if (aDomain === bDomain && strip(aLocal) === strip(bLocal)) return 90; // `+` tags / dots
  if (strip(aLocal) === strip(bLocal)) return 70; // same mailbox name, other provider
  return Math.round(65 * jaroWinkler(a, b) * (aDomain === bDomain ? 1 : 0.8));
}

const STREET_WORDS: Record<string, string> = {
  street: 'st', avenue: 'ave', road: 'rd', lane: 'ln', drive: 'dr', boulevard: 'blvd', court: 'ct', place: 'pl',
  north: 'n', south: 's', east: 'e', west: 'w', apartment: 'apt', suite: 'ste', highway: 'hwy', parkway: 'pkwy',
};

function normStreet(street: string): string {
  return street
    .toLowerCase()
    .replace(/[.,#]/g, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => STREET_WORDS[w] ?? w)
    .join(' ');
}

const norm = (s: string | null | undefined) => (s ?? '').trim().toLowerCase();
const zip5 = (s: string | null | undefined) => norm(s).replace(/[^0-9a-z]/g, '').slice(0, 5);

type InputAddress = NonNullable<IdentityMatchUser['address']>;
type OwnerAddress = Owner['addresses'][number]['data'];

export function scoreAddress(input: InputAddress, owner: OwnerAddress): { score: number; postal: boolean | null } | null {
  if (!input.street && !input.postal_code && !input.city) return null;
  const postal = input.postal_code && owner.postal_code ? zip5(input.postal_code) === zip5(owner.postal_code) : null;
  const street = input.street ? jaroWinkler(normStreet(input.street), normStreet(owner.street)) : 0;
  const city = input.city && owner.city ? (norm(input.city) === norm(owner.city) ? 1 : jaroWinkler(norm(input.city), norm(owner.city))) : 0;
  const region = input.region && owner.region ? (norm(input.region) === norm(owner.region) ? 1 : 0) : 0;
  const score = 100 * (0.6 * street + 0.15 * city + 0.1 * region + 0.15 * (postal ? 1 : 0));
  return { score: Math.round(Math.min(100, score)), postal };
}

function best<T extends { score: number } | null>(values: T[]): T | null {
  let top: T | null = null;
  for (const v of values) if (v && (!top || v.score > top.score)) top = v;
  return top;
}

export function matchIdentity(user: IdentityMatchUser | undefined, owners: Owner[]): MatchFields {
  const names = owners.flatMap((o) => o.names);
  const phones = owners.flatMap((o) => o.phone_numbers.map((p) => p.data));
  const emails = owners.flatMap((o) => o.emails.map((e) => e.data));
  const addresses = owners.flatMap((o) => o.addresses.map((a) => a.data));

  const name = user?.legal_name ? best(names.map((n) => scoreName(user.legal_name!, n))) : null;
  const phone = user?.phone_number ? best(phones.map((p) => wrap(scorePhone(user.phone_number!, p)))) : null;
  const email = user?.email_address ? best(emails.map((e) => wrap(scoreEmail(user.email_address!, e)))) : null;
  const address = user?.address ? best(addresses.map((a) => scoreAddress(user.address!, a))) : null;

  return {
    legal_name: {
      score: name?.score ?? null,
      is_first_name_or_last_name_match: name ? name.firstOrLast : null,
      is_nickname_match: name ? name.nickname : null,
      is_business_name_detected: name ? name.business : null,
    },
    phone_number: { score: phone?.score ?? null },
    email_address: { score: email?.score ?? null },
    address: { score: address?.score ?? null, is_postal_code_match: address ? address.postal : null },
  };
}

function wrap(score: number | null): { score: number } | null {
  return score === null ? null : { score };
}
