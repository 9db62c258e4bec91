/** The same server as `url`, another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** A URL on the server's maintenance database, for CREATE/DROP DATABASE. */
export function serverUrl(url: string): string {
  return withDatabase(url, 'postgres');
}
