/**
 * Institutions the emulator knows. Plaid's Sandbox offers every institution;
 * the emulator offers Plaid's Sandbox-only test institutions plus a few large
 * US banks, so an unknown id can be refused the way Plaid refuses it.
 */
export interface EmulatorInstitution {
  id: string;
  name: string;
  /** Data calls on Items at this institution answer this error (Unhealthy Platypus Bank). */
  error?: 'INSTITUTION_DOWN' | 'INSTITUTION_NOT_RESPONDING' | 'INSTITUTION_NO_LONGER_SUPPORTED';
  /** Capital One: real-time balance for depository accounts only; others need options.min_last_updated_datetime, and refresh is not supported for them. */
  nonDepositoryCached?: boolean;
  /** ISO 3166 country of the institution when not the US (Sandbox's Canadian and UK test banks). */
  country?: 'CA' | 'GB';
  /**
   * Links through OAuth. Plaid's Sandbox institution list: none of its
   * institutions use OAuth "except for those that are explicitly marked as
   * OAuth or European / UK institutions".
   */
  oauth?: true;
}

/** The institution's country (US unless stated). */
export function institutionCountry(institution: EmulatorInstitution): string {
  return institution.country ?? 'US';
}

export const INSTITUTIONS: readonly EmulatorInstitution[] = [
  { id: 'ins_109508', name: 'First Platypus Bank' },
  { id: 'ins_109509', name: 'First Gingham Credit Union' },
  { id: 'ins_109510', name: 'Tattersall Federal Credit Union' },
  { id: 'ins_109511', name: 'Tartan Bank' },
  { id: 'ins_109512', name: 'Houndstooth Bank' },
  { id: 'ins_43', name: 'Tartan-Dominion Bank of Canada', country: 'CA' },
  { id: 'ins_116834', name: 'Flexible Platypus Open Banking (UK Bank)', country: 'GB', oauth: true },
  { id: 'ins_117650', name: 'Royal Bank of Plaid (UK Bank)', country: 'GB', oauth: true },
  { id: 'ins_127287', name: 'Platypus OAuth Bank', oauth: true },
  { id: 'ins_132241', name: 'First Platypus OAuth App2App Bank', oauth: true },
  { id: 'ins_117181', name: 'Flexible Platypus Open Banking (QR code)', oauth: true },
  { id: 'ins_132363', name: 'Unhealthy Platypus Bank - Degraded' },
  { id: 'ins_132361', name: 'Unhealthy Platypus Bank - Down', error: 'INSTITUTION_DOWN' },
  { id: 'ins_133402', name: 'Unsupported Platypus Bank - Institution Not Supported', error: 'INSTITUTION_NO_LONGER_SUPPORTED' },
  { id: 'ins_133502', name: 'Platypus Bank RUX Auth' },
  { id: 'ins_133503', name: 'Platypus Bank RUX Match' },
  { id: 'ins_3', name: 'Chase' },
  { id: 'ins_4', name: 'Wells Fargo' },
  { id: 'ins_5', name: 'Citi' },
  { id: 'ins_127989', name: 'Bank of America' },
  { id: 'ins_128026', name: 'Capital One', nonDepositoryCached: true },
];

export function findInstitution(id: string): EmulatorInstitution | undefined {
  return INSTITUTIONS.find((institution) => institution.id === id);
}
