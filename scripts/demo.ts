/**
 * `npm run demo`: the whole flow, step by step, against a running gateway
 * (`npm start`) with the official `plaid` SDK.
 *
 * It finds the gateway and the emulator where `npm start` puts them, from the
 * same variables (see resolveDemoTargets):
 *
 *   GATEWAY_URL        else http://HOST:PORT (PORT default 8787; HOST when it is
 *                      a specific address, else 127.0.0.1)
 *   EMULATOR_URL       else PLAID_BASE_URL (the upstream `npm start` was given),
 *                      else http://127.0.0.1:EMULATOR_PORT (default 8788)
 *   GATEWAY_ADMIN_KEY  default: read from the development keys `npm start` wrote
 *                      (DEV_KEYS_FILE, else .data/dev-keys.json beside PGLITE_DATA_DIR)
 *   EMULATOR_CLIENTS   Plaid keys the emulator accepts; the demo uses the first pair
 *                      (default: the emulator's demo pair)
 *
 * When either cannot be reached it stops before changing anything and says
 * which URL it tried, where that URL came from and what to set.
 *
 * It prints what each principal does and what comes back. It never prints the
 * admin key, the Plaid secret or the raw processor token; the gateway secrets it
 * creates are shown shortened.
 */
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Configuration, PlaidApi } from 'plaid';
import { EnvSchema } from '../src/config';
import { DEMO_CLIENT, parseEmulatorClients } from '../src/emulator/app';
import { devKeysFile } from '../src/node/dev-keys';

/** Where the demo looks for the gateway and the emulator, and which setting each address comes from. */
export interface DemoTargets {
  gatewayUrl: string;
  emulatorUrl: string;
  /** e.g. "GATEWAY_URL", "PORT=9000", "the default port 8787 (PORT is not set)". */
  gatewayFrom: string;
  emulatorFrom: string;
}

export interface DemoOptions {
  gatewayUrl: string;
  emulatorUrl: string;
  /** Named in the message when an address cannot be reached (see DemoTargets). */
  gatewayFrom?: string;
  emulatorFrom?: string;
  /** The operator key, or a function that reads it once both services answer. */
  adminKey: string | (() => string);
  plaid: { clientId: string; secret: string };
  /** Where lines go (console.log by default). */
  print?: (line: string) => void;
}

export interface DemoResult {
  partnerId: string;
  fintechId: string;
  /** Each step and whether it behaved as the contract says. */
  checks: Array<{ step: string; ok: boolean }>;
}

interface HttpAnswer {
  status: number;
  body: any;
}

/** A failure the demo explains itself: main prints the message alone, no stack. */
export class DemoFailure extends Error {}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

/**
 * The gateway's and the emulator's URLs as `npm start` configured them, from
 * the same variables and with the same defaults and validation (EnvSchema):
 * GATEWAY_URL and EMULATOR_URL win; otherwise the gateway is on PORT (on HOST
 * when `npm start` was bound to one address, else loopback) and the emulator
 * is PLAID_BASE_URL when set, else loopback on EMULATOR_PORT (where `npm start`
 * runs it). Throws DemoFailure naming the variable when one is unusable.
 */
export function resolveDemoTargets(env: Record<string, string | undefined>): DemoTargets {
  const set = (name: string) => (env[name] !== undefined && env[name] !== '' ? env[name] : undefined);
  const url = (name: string, value: string) => {
    try {
      const parsed = new URL(value);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http');
      return value.replace(/\/+$/, '');
    } catch {
      throw new DemoFailure(`${name} must be an http(s) URL such as http://127.0.0.1:8787 (it is "${value}")`);
    }
  };
  // Parsed exactly as `npm start` parses it (an empty PORT is 0 there too).
  const port = (name: 'PORT' | 'EMULATOR_PORT', overrideName: string): { port: number; from: string } => {
    const parsed = EnvSchema.shape[name].safeParse(env[name]);
    if (!parsed.success) {
      throw new DemoFailure(`${name} must be a port number, 0-65535 (it is "${env[name]}"), or set ${overrideName}`);
    }
    if (parsed.data === 0) {
      throw new DemoFailure(
        `${name}=0 lets \`npm start\` pick a free port, which the demo cannot know: set ${overrideName} to the address \`npm start\` printed`,
      );
    }
    const from = env[name] !== undefined ? `${name}=${parsed.data}` : `the default port ${parsed.data} (${name} is not set)`;
    return { port: parsed.data, from };
  };

  let gatewayUrl: string;
  let gatewayFrom: string;
  if (set('GATEWAY_URL')) {
    gatewayUrl = url('GATEWAY_URL', set('GATEWAY_URL')!);
    gatewayFrom = 'GATEWAY_URL';
  } else {
    const p = port('PORT', 'GATEWAY_URL');
    const host = set('HOST');
    const specific = host !== undefined && !WILDCARD_HOSTS.has(host);
    const hostPart = !specific ? '127.0.0.1' : host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    gatewayUrl = url('HOST', `http://${hostPart}:${p.port}`);
    gatewayFrom = specific ? `HOST=${host} and ${p.from}` : p.from;
  }

  let emulatorUrl: string;
  let emulatorFrom: string;
  if (set('EMULATOR_URL')) {
    emulatorUrl = url('EMULATOR_URL', set('EMULATOR_URL')!);
    emulatorFrom = 'EMULATOR_URL';
  } else if (set('PLAID_BASE_URL')) {
    emulatorUrl = url('PLAID_BASE_URL', set('PLAID_BASE_URL')!);
    emulatorFrom = 'PLAID_BASE_URL (the upstream `npm start` was given)';
  } else {
    // `npm start` binds its emulator to loopback whatever HOST is.
    const p = port('EMULATOR_PORT', 'EMULATOR_URL');
    emulatorUrl = `http://127.0.0.1:${p.port}`;
    emulatorFrom = p.from;
  }
  return { gatewayUrl, emulatorUrl, gatewayFrom, emulatorFrom };
}

/** Why a URL could not be fetched, in a few words (the error code when there is one). */
function connectionProblem(err: unknown): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'no answer within 5 s';
  type Cause = { code?: string; message?: string; errors?: Cause[] };
  const cause = (err as { cause?: Cause })?.cause;
  // A name with several addresses (localhost: ::1 and 127.0.0.1) fails with one error per address.
  const code = cause?.code ?? cause?.errors?.find((e) => e.code)?.code;
  if (code === 'ECONNREFUSED') return 'connection refused: nothing listens there';
  if (code) return code;
  return cause?.message ?? (err instanceof Error ? err.message : String(err));
}

/** GET url: its status, or why nothing answered. */
async function probe(url: string): Promise<{ status: number } | { problem: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    await res.body?.cancel();
    return { status: res.status };
  } catch (err) {
    return { problem: connectionProblem(err) };
  }
}

/**
 * Both services answer (any HTTP answer from the emulator; GET /health 200 from
 * the gateway), or a DemoFailure saying which URL was tried, where it came
 * from, and what to set.
 */
export async function checkTargets(targets: DemoTargets): Promise<void> {
  const health = await probe(`${targets.gatewayUrl}/health`);
  if ('problem' in health) {
    throw new DemoFailure(
      [
        `cannot reach the gateway at ${targets.gatewayUrl} (${health.problem}).`,
        `  That address comes from ${targets.gatewayFrom}.`,
        targets.gatewayFrom === 'GATEWAY_URL'
          ? '  Start the gateway (`npm start`), or set GATEWAY_URL to the address it listens on.'
          : '  Start the gateway with `npm start` and run the demo with the same PORT (and HOST), or set GATEWAY_URL to the address it listens on.',
      ].join('\n'),
    );
  }
  if (health.status !== 200) {
    throw new DemoFailure(
      [
        `something answers at ${targets.gatewayUrl}, but not the gateway (GET /health answered HTTP ${health.status}).`,
        `  That address comes from ${targets.gatewayFrom}; set GATEWAY_URL (or PORT) to where \`npm start\` listens.`,
      ].join('\n'),
    );
  }
  const emulator = await probe(targets.emulatorUrl);
  if ('problem' in emulator) {
    throw new DemoFailure(
      [
        `cannot reach the Plaid emulator at ${targets.emulatorUrl} (${emulator.problem}).`,
        `  That address comes from ${targets.emulatorFrom}.`,
        '  `npm start` runs the emulator on EMULATOR_PORT when PLAID_ENV=emulator and PLAID_BASE_URL is not set:',
        '  run the demo with the same EMULATOR_PORT (or PLAID_BASE_URL), or set EMULATOR_URL.',
      ].join('\n'),
    );
  }
}

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const short = (secret: string) => `${secret.slice(0, 6)}…(${secret.length} chars)`;

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const print = options.print ?? ((line: string) => console.log(line));
  const checks: DemoResult['checks'] = [];
  const gateway = options.gatewayUrl.replace(/\/+$/, '');
  const emulator = options.emulatorUrl.replace(/\/+$/, '');

  const step = (title: string) => print(`\n${bold(`== ${title}`)}`);
  const say = (line: string) => print(`   ${line}`);
  const check = (name: string, ok: boolean, detail: string) => {
    checks.push({ step: name, ok });
    say(`${ok ? 'ok  ' : 'FAIL'} ${name}: ${detail}`);
  };

  async function http(url: string, body: unknown, headers: Record<string, string>): Promise<HttpAnswer> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* leave as text */
    }
    return { status: res.status, body: parsed };
  }
  const expectStatus = (what: string, answer: HttpAnswer, status: number) => {
    if (answer.status !== status) {
      throw new DemoFailure(`${what} answered HTTP ${answer.status}: ${JSON.stringify(answer.body).slice(0, 300)}`);
    }
    return answer.body;
  };
  const sdk = (basePath: string, clientId: string, secret: string) =>
    new PlaidApi(new Configuration({ basePath, baseOptions: { headers: { 'PLAID-CLIENT-ID': clientId, 'PLAID-SECRET': secret } } }));
  /** Runs an SDK call; returns its data or the Plaid error body. */
  async function attempt<T>(call: Promise<{ data: T }>): Promise<{ ok: true; data: T } | { ok: false; status: number; error: any }> {
    try {
      return { ok: true, data: (await call).data };
    } catch (err) {
      const response = (err as { response?: { status: number; data: unknown } }).response;
      if (!response) throw err;
      return { ok: false, status: response.status, error: response.data };
    }
  }
  const plaidError = (r: { ok: false; status: number; error: any }) =>
    `HTTP ${r.status} ${r.error?.error_type}/${r.error?.error_code}`;

  // 0. Is everything up? Nothing is created unless both answer.
  step('0. The gateway and the Plaid emulator are up');
  await checkTargets({
    gatewayUrl: gateway,
    emulatorUrl: emulator,
    gatewayFrom: options.gatewayFrom ?? 'the gatewayUrl option',
    emulatorFrom: options.emulatorFrom ?? 'the emulatorUrl option',
  });
  say(`gateway  ${gateway}  (GET /health: 200)`);
  say(`emulator ${emulator}  (Plaid keys: client_id ${options.plaid.clientId})`);
  const adminKey = typeof options.adminKey === 'function' ? options.adminKey() : options.adminKey;

  // 1. Operator: a partner (with its Plaid keys) and a fintech.
  step('1. The operator creates a payment partner and a fintech');
  const admin = { authorization: `Bearer ${adminKey}` };
  const partner = expectStatus(
    'POST /admin/partners',
    await http(
      `${gateway}/admin/partners`,
      {
        name: 'Demo Payments Inc.',
        processor: 'dwolla',
        plaid: { client_id: options.plaid.clientId, secret: options.plaid.secret },
      },
      admin,
    ),
    201,
  );
  say(`POST /admin/partners  -> partner_id ${partner.partner_id}, client_id ${partner.client_id}, secret ${short(partner.secret)}`);
  const fintech = expectStatus('POST /admin/fintechs', await http(`${gateway}/admin/fintechs`, { name: 'Demo Fintech' }, admin), 201);
  say(`POST /admin/fintechs  -> fintech_id ${fintech.fintech_id}, client_id ${fintech.client_id}, secret ${short(fintech.secret)}`);
  const fintechKeys = { 'plaid-client-id': fintech.client_id, 'plaid-secret': fintech.secret };

  // 2. Fintech: a processor token from Plaid, imported into the gateway.
  step('2. The fintech gets a processor token from Plaid and hands it over');
  const plaidDirect = sdk(emulator, options.plaid.clientId, options.plaid.secret);
  const { data: created } = await plaidDirect.sandboxProcessorTokenCreate({ institution_id: 'ins_109508' });
  const rawToken = created.processor_token;
  say(`Plaid /sandbox/processor_token/create -> a raw processor token (processor-sandbox-…, not shown again)`);
  const imported = expectStatus(
    'POST /gateway/processor_token/import',
    await http(`${gateway}/gateway/processor_token/import`, { processor_token: rawToken, partner_id: partner.partner_id }, fintechKeys),
    200,
  );
  const gatewayToken: string = imported.processor_token;
  say(`POST /gateway/processor_token/import -> gateway token ${gatewayToken.slice(0, 20)}… (the fintech gives this to the partner)`);
  check('gateway token is not the raw token', gatewayToken !== rawToken && !gatewayToken.includes(rawToken.slice(18)), 'fresh random token');

  // 3. Partner: the seven endpoints, with the official SDK and only the base URL changed.
  step('3. The partner calls Plaid through the gateway (official plaid SDK, basePath = gateway)');
  const partnerPlaid = sdk(gateway, partner.client_id, partner.secret);
  const p = gatewayToken;
  const calls: Array<[string, () => Promise<{ data: any }>, (d: any) => string]> = [
    [
      '/processor/auth/get',
      () => partnerPlaid.processorAuthGet({ processor_token: p }),
      (d) => `${d.account.name} ••${d.account.mask}, ACH routing ${d.numbers.ach?.routing}`,
    ],
    [
      '/processor/balance/get',
      () => partnerPlaid.processorBalanceGet({ processor_token: p }),
      (d) => `available ${d.account.balances.available} ${d.account.balances.iso_currency_code}, current ${d.account.balances.current}`,
    ],
    [
      '/processor/identity/match',
      () => partnerPlaid.processorIdentityMatch({ processor_token: p, user: { legal_name: 'Alberta Bobbeth Charleson' } }),
      (d) => `legal_name score ${d.account.legal_name?.score}`,
    ],
    [
      '/processor/signal/evaluate',
      () => partnerPlaid.processorSignalEvaluate({ processor_token: p, client_transaction_id: 'demo-txn-1', amount: 102.05 }),
      (d) =>
        `customer-initiated return risk ${d.scores?.customer_initiated_return_risk?.score}, bank-initiated ${d.scores?.bank_initiated_return_risk?.score}`,
    ],
    [
      '/processor/signal/decision/report',
      () => partnerPlaid.processorSignalDecisionReport({ processor_token: p, client_transaction_id: 'demo-txn-1', initiated: true }),
      () => 'decision recorded',
    ],
    [
      '/processor/signal/return/report',
      () => partnerPlaid.processorSignalReturnReport({ processor_token: p, client_transaction_id: 'demo-txn-1', return_code: 'R01' }),
      () => 'return recorded',
    ],
    [
      '/processor/transactions/sync',
      () => partnerPlaid.processorTransactionsSync({ processor_token: p, count: 100 }),
      (d) => `${d.added.length} transactions added, has_more ${d.has_more}, next_cursor ${String(d.next_cursor).slice(0, 12)}…`,
    ],
  ];
  for (const [path, run, describe] of calls) {
    const r = await attempt(run());
    if (r.ok) check(path, true, `${describe(r.data)} (request_id ${r.data.request_id})`);
    else check(path, false, plaidError(r));
  }

  // 4. Fintech narrows the permission set; then revokes.
  step('4. The fintech narrows the permission set to auth only');
  expectStatus(
    'POST /processor/token/permissions/set',
    await http(`${gateway}/processor/token/permissions/set`, { processor_token: gatewayToken, products: ['auth'] }, fintechKeys),
    200,
  );
  say('POST /processor/token/permissions/set {products: ["auth"]}');
  const stillAuth = await attempt(partnerPlaid.processorAuthGet({ processor_token: p }));
  check('auth still allowed', stillAuth.ok, stillAuth.ok ? '200' : plaidError(stillAuth));
  const balance = await attempt(partnerPlaid.processorBalanceGet({ processor_token: p }));
  check(
    'balance now refused',
    !balance.ok && balance.error?.error_code === 'INVALID_PRODUCT',
    balance.ok ? 'unexpectedly allowed' : plaidError(balance),
  );

  step('5. The fintech revokes the token: every call is refused');
  expectStatus(
    'POST /gateway/processor_token/revoke',
    await http(`${gateway}/gateway/processor_token/revoke`, { processor_token: gatewayToken }, fintechKeys),
    200,
  );
  say('POST /gateway/processor_token/revoke');
  for (const [path, run] of calls) {
    const r = await attempt(run());
    check(
      `${path} refused`,
      !r.ok && r.error?.error_code === 'INVALID_PROCESSOR_TOKEN',
      r.ok ? 'unexpectedly allowed' : plaidError(r),
    );
  }

  // 6. Compliance reads the trail (if the audit API is there).
  step('6. Compliance reviews the audit trail');
  const events = await fetch(`${gateway}/audit/events?partner_id=${encodeURIComponent(partner.partner_id)}&limit=100`, {
    headers: admin,
  }).then(
    async (r) => ({ status: r.status, body: (await r.json().catch(() => null)) as any }),
    () => ({ status: 0, body: null }),
  );
  if (events.status === 200 && Array.isArray(events.body?.events)) {
    const list = events.body.events as Array<Record<string, any>>;
    const count = (decision: string) => list.filter((e) => e.decision === decision).length;
    say(`GET /audit/events?partner_id=… -> ${list.length} records for this partner (allow ${count('allow')}, deny ${count('deny')})`);
    for (const e of list.slice(-4)) say(`  ${e.endpoint ?? ''} ${e.decision ?? ''} ${e.reason ?? ''}`);
    const verify = await fetch(`${gateway}/audit/verify`, { headers: admin }).then(
      async (r) => (await r.json().catch(() => null)) as any,
      () => null,
    );
    if (verify && typeof verify.ok === 'boolean') check('audit chain verifies', verify.ok, `checked ${verify.checked} records`);
  } else {
    say(`(audit API answered HTTP ${events.status}; skipped)`);
  }

  const failed = checks.filter((c) => !c.ok);
  print(`\n${bold(failed.length === 0 ? `Done: all ${checks.length} checks passed.` : `Done: ${failed.length} of ${checks.length} checks FAILED.`)}`);
  return { partnerId: partner.partner_id, fintechId: fintech.fintech_id, checks };
}

/** The admin key: GATEWAY_ADMIN_KEY, else the development keys `npm start` wrote (the file it uses). */
function adminKeyFromEnvironment(): string {
  if (process.env.GATEWAY_ADMIN_KEY) return process.env.GATEWAY_ADMIN_KEY;
  const dataDir = EnvSchema.shape.PGLITE_DATA_DIR.parse(process.env.PGLITE_DATA_DIR);
  const file = devKeysFile(process.env, dataDir);
  if (existsSync(file)) {
    const keys = JSON.parse(readFileSync(file, 'utf8')) as { adminKey?: string };
    if (keys.adminKey) return keys.adminKey;
  }
  throw new DemoFailure(`set GATEWAY_ADMIN_KEY (no development keys at ${file}; has \`npm start\` run?)`);
}

async function main() {
  const plaid = process.env.EMULATOR_CLIENTS ? parseEmulatorClients(process.env.EMULATOR_CLIENTS)[0]! : DEMO_CLIENT;
  const targets = resolveDemoTargets(process.env);
  const result = await runDemo({ ...targets, adminKey: adminKeyFromEnvironment, plaid });
  process.exitCode = result.checks.every((c) => c.ok) ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
