import type { Product } from './common';

/**
 * The seven partner endpoints and the product each one needs (design README,
 * "Partner API"). Identity match is governed by `identity`; a permission set
 * containing `identity_match` also allows it (README gap 2).
 */
export const PARTNER_ENDPOINTS = [
  { path: '/processor/auth/get', product: 'auth' },
  { path: '/processor/balance/get', product: 'balance' },
  { path: '/processor/identity/match', product: 'identity' },
  { path: '/processor/signal/evaluate', product: 'signal' },
  { path: '/processor/signal/decision/report', product: 'signal' },
  { path: '/processor/signal/return/report', product: 'signal' },
  { path: '/processor/transactions/sync', product: 'transactions' },
] as const satisfies ReadonlyArray<{ path: string; product: Product }>;

export type PartnerEndpoint = (typeof PARTNER_ENDPOINTS)[number];
export type PartnerPath = PartnerEndpoint['path'];
export type PartnerProduct = PartnerEndpoint['product'];

/** Products that, when present in a permission set, also grant `product`. */
export const PRODUCT_ALIASES: Readonly<Partial<Record<Product, readonly Product[]>>> = {
  identity: ['identity_match'],
};

/** The product a partner path needs, or undefined for a path that is not a partner endpoint. */
export function productForPath(path: string): PartnerProduct | undefined {
  return PARTNER_ENDPOINTS.find((endpoint) => endpoint.path === path)?.product;
}

/**
 * Plaid's permission-set rule: an empty list means every product; otherwise the
 * product (or one of its aliases) must be listed.
 */
export function productAllowed(permissions: readonly string[], product: Product): boolean {
  if (permissions.length === 0) return true;
  if (permissions.includes(product)) return true;
  return (PRODUCT_ALIASES[product] ?? []).some((alias) => permissions.includes(alias));
}
