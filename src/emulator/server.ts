/** `npm run emulator`: the Plaid emulator alone on EMULATOR_PORT (default 8788). */
import { parseEnv } from '../config';
import { listen } from '../node/serve';
import { createEmulatorApp, DEMO_CLIENT, parseEmulatorClients } from './app';

const env = parseEnv(process.env);
const clients = parseEmulatorClients(env.EMULATOR_CLIENTS);
const app = createEmulatorApp({ clients, rateLimits: env.EMULATOR_RATE_LIMITS === 'on' });
const { url } = await listen(app, env.EMULATOR_PORT, process.env.HOST || '127.0.0.1');
console.log(`Plaid emulator listening on ${url} (rate limits ${env.EMULATOR_RATE_LIMITS})`);
if (!env.EMULATOR_CLIENTS) console.log(`Demo Plaid keys: client_id=${DEMO_CLIENT.clientId} secret=${DEMO_CLIENT.secret}`);
