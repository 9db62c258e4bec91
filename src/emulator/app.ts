import { Hono } from 'hono';

export interface EmulatorClient {
  clientId: string;
  secret: string;
}

export interface EmulatorOptions {
  /** Plaid keys the emulator accepts (EMULATOR_CLIENTS). */
  clients: EmulatorClient[];
  /** Per-Item and per-client limits (EMULATOR_RATE_LIMITS=off turns them off). */
  rateLimits: boolean;
  clock?: () => Date;
}

/** PLACEHOLDER (issue 3 replaces it): the embedded Plaid emulator. */
export function createEmulatorApp(_options: EmulatorOptions) {
  const app = new Hono();
  return app;
}

/** The demo pair used when EMULATOR_CLIENTS is unset (printed at start). */
export const DEMO_CLIENT: EmulatorClient = { clientId: 'emulator_demo_client', secret: 'emulator_demo_secret_0123456789' };

/** Parses EMULATOR_CLIENTS: `client_id:secret` pairs separated by commas. */
export function parseEmulatorClients(value: string | undefined): EmulatorClient[] {
  if (!value) return [DEMO_CLIENT];
  return value
    .split(',')
    .map((pair) => pair.trim())
    .filter(Boolean)
    .map((pair) => {
      const sep = pair.indexOf(':');
      if (sep <= 0 || sep === pair.length - 1) throw new Error(`EMULATOR_CLIENTS: "${pair.split(':')[0]}..." is not client_id:secret`);
      return { clientId: pair.slice(0, sep), secret: pair.slice(sep + 1) };
    });
}
