/**
 * `npm run demo`: the whole flow, step by step, against a running gateway
 * (`npm start`) with the official `plaid` SDK.
 *
 *   GATEWAY_URL        default http://127.0.0.1:8787
 *   EMULATOR_URL       default http://127.0.0.1:8788
 *   GATEWAY_ADMIN_KEY  default: read from .data/dev-keys.json (written by `npm start`)
 *   EMULATOR_CLIENTS   Plaid keys the emulator accepts; the demo uses the first pair
 *                      (default: the emulator's demo pair)
 *
 * It prints what each principal does and what comes back. It never prints the
 * admin key, the Plaid secret or the raw processor token; the gateway secrets it
 * creates are shown shortened.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Configuration, PlaidApi } from 'plaid';
import { DEMO_CLIENT, parseEmulatorClients } from '../src/emulator/app';

export interface DemoOptions {
  gatewayUrl: string;
  emulatorUrl: string;
  adminKey: string;
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

class DemoFailure extends Error {}

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

  // 0. Is everything up?
  step('0. The gateway and the Plaid emulator are up');
  const health = await fetch(`${gateway}/health`).then(
    (r) => r.status,
    () => 0,
  );
  if (health !== 200) throw new DemoFailure(`no gateway at ${gateway} (start it with \`npm start\`)`);
  say(`gateway  ${gateway}  (GET /health: 200)`);
  say(`emulator ${emulator}  (Plaid keys: client_id ${options.plaid.clientId})`);

  // 1. Operator: a partner (with its Plaid keys) and a fintech.
  step('1. The operator creates a payment partner and a fintech');
  const admin = { authorization: `Bearer ${options.adminKey}` };
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

/** The admin key: GATEWAY_ADMIN_KEY, else the development keys `npm start` wrote. */
function adminKeyFromEnvironment(): string {
  if (process.env.GATEWAY_ADMIN_KEY) return process.env.GATEWAY_ADMIN_KEY;
  const dataDir = process.env.PGLITE_DATA_DIR ?? '.data/pglite';
  const file = process.env.DEV_KEYS_FILE ?? join(dataDir, '..', 'dev-keys.json');
  if (existsSync(file)) {
    const keys = JSON.parse(readFileSync(file, 'utf8')) as { adminKey?: string };
    if (keys.adminKey) return keys.adminKey;
  }
  throw new DemoFailure(`set GATEWAY_ADMIN_KEY (no development keys at ${file}; has \`npm start\` run?)`);
}

async function main() {
  const plaid = process.env.EMULATOR_CLIENTS ? parseEmulatorClients(process.env.EMULATOR_CLIENTS)[0]! : DEMO_CLIENT;
  const result = await runDemo({
    gatewayUrl: process.env.GATEWAY_URL ?? 'http://127.0.0.1:8787',
    emulatorUrl: process.env.EMULATOR_URL ?? 'http://127.0.0.1:8788',
    adminKey: adminKeyFromEnvironment(),
    plaid,
  });
  process.exitCode = result.checks.every((c) => c.ok) ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
