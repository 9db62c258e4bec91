/** @jsxImportSource hono/jsx */
/**
 * GET /audit: the compliance reviewer's page. Server-rendered shell with no data
 * in it (so it needs no auth to load); a small inline script keeps the key the
 * reviewer enters in sessionStorage (gone when the tab closes) and calls the
 * JSON API with it as a Bearer token. Record values are only ever put into the
 * page with textContent, never as HTML, and a nonce-based Content-Security-Policy
 * allows no other script. No external assets. The overview panel draws
 * GET /audit/summary with plain HTML and CSS (page-script.ts).
 */
import type { Context } from 'hono';
import { raw } from 'hono/html';
import type { AppEnv } from '../../context';
import { base64url, randomBytes } from '../../lib/ids';
import { PAGE_CSS } from './page-css';
import { PAGE_SCRIPT } from './page-script';

const DECISIONS = ['allow', 'deny', 'error'] as const;

/** One number of the overview; the script fills the value in. */
function Stat(props: { id: string; label: string; cls?: string }) {
  return (
    <div class={`stat${props.cls ? ` ${props.cls}` : ''}`}>
      <dt>{props.label}</dt>
      <dd id={props.id}>–</dd>
    </div>
  );
}

/** One bar chart of the overview (a list of labelled bars); the script fills it. */
function BarChart(props: { id: string; title: string }) {
  return (
    <figure class="chart" aria-labelledby={`${props.id}-title`}>
      <figcaption id={`${props.id}-title`}>{props.title}</figcaption>
      <ol id={props.id} class="bars"></ol>
    </figure>
  );
}

/** Column charts per UTC day; the script adds one column per day. */
function DayChart(props: { id: string; title: string; legend: Array<[string, string]> }) {
  return (
    <figure class="chart wide" aria-labelledby={`${props.id}-title`}>
      <figcaption id={`${props.id}-title`}>{props.title}</figcaption>
      <div id={props.id} class="columns" role="img" aria-label={props.title}></div>
      <div class="axis">
        <span id={`${props.id}-first`}></span>
        <span id={`${props.id}-last`}></span>
      </div>
      <ul class="legend">
        {props.legend.map(([cls, label]) => (
          <li>
            <span class={`swatch ${cls}`}></span>
            {label}
          </li>
        ))}
      </ul>
    </figure>
  );
}

function Overview() {
  return (
    <section aria-labelledby="overview-heading" class="panel" id="overview">
      <h2 id="overview-heading">2. Overview</h2>
      <p class="muted">
        Counts for the records matching the filters in 3 (every record this key may read when none is set), refreshed
        with each search. Days are UTC days.
      </p>
      <p id="overview-status" role="status" aria-live="polite" class="muted">
        Enter a key to see the overview.
      </p>
      <div id="overview-body" hidden>
        <p id="overview-scope" class="muted"></p>
        <dl class="stats">
          <Stat id="stat-total" label="Calls" />
          <Stat id="stat-allow" label="Allowed" cls="allow" />
          <Stat id="stat-deny" label="Denied" cls="deny" />
          <Stat id="stat-error" label="Errors" cls="error" />
          <Stat id="stat-rate-limited" label="Rate limited" />
          <Stat id="stat-plaid-errors" label="Plaid errors" />
        </dl>
        <div class="charts">
          <DayChart
            id="chart-days"
            title="Calls per day, by decision"
            legend={[
              ['allow', 'allowed'],
              ['deny', 'denied'],
              ['error', 'error'],
            ]}
          />
          <DayChart id="chart-plaid-days" title="Plaid errors per day" legend={[['plaid', 'Plaid error']]} />
          <BarChart id="chart-reasons" title="Denials by reason" />
          <BarChart id="chart-partners" title="Calls by partner" />
          <BarChart id="chart-endpoints" title="Calls by endpoint" />
          <BarChart id="chart-scopes" title="Rate limited, by limit scope" />
          <BarChart id="chart-plaid" title="Plaid error codes" />
        </div>
        <details>
          <summary>The numbers per day</summary>
          <div class="table-wrap">
            <table id="days-table">
              <caption class="visually-hidden">Records per UTC day</caption>
              <thead>
                <tr>
                  <th scope="col">Day (UTC)</th>
                  <th scope="col" class="num">Calls</th>
                  <th scope="col" class="num">Allowed</th>
                  <th scope="col" class="num">Denied</th>
                  <th scope="col" class="num">Errors</th>
                  <th scope="col" class="num">Rate limited</th>
                  <th scope="col" class="num">Plaid errors</th>
                </tr>
              </thead>
              <tbody></tbody>
            </table>
          </div>
        </details>
      </div>
    </section>
  );
}

function Field(props: { id: string; label: string; hint?: string; placeholder?: string; type?: string }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        name={props.id}
        type={props.type ?? 'text'}
        placeholder={props.placeholder}
        autocomplete="off"
        spellcheck={false}
        aria-describedby={props.hint ? `${props.id}-hint` : undefined}
      />
      {props.hint ? (
        <small id={`${props.id}-hint`} class="hint">
          {props.hint}
        </small>
      ) : null}
    </div>
  );
}

function AuditPage(props: { nonce: string }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <link rel="icon" href="data:," />
        <title>Audit trail · Processor partner gateway</title>
        <style nonce={props.nonce}>{raw(PAGE_CSS)}</style>
      </head>
      <body>
        <a class="skip" href="#results">
          Skip to results
        </a>
        <header>
          <h1>Audit trail</h1>
          <p class="lede">
            Every access to the gateway, hash-chained and append-only. See the counts at a glance, filter the records,
            open one, export them, and check that none has been changed or removed.
          </p>
        </header>
        <main>
          <section aria-labelledby="key-heading" class="panel" id="key-panel">
            <h2 id="key-heading">1. Your access key</h2>
            <form id="key-form" class="row">
              <div class="field grow">
                <label for="key">Auditor or operator key</label>
                <input id="key" name="key" type="password" autocomplete="off" required aria-describedby="key-hint" />
                <small id="key-hint" class="hint">
                  Kept in this browser tab only (sessionStorage) and sent as a Bearer token to the audit API.
                </small>
              </div>
              <div class="actions">
                <button type="submit">Use key</button>
                <button type="button" id="forget" class="secondary">
                  Forget key
                </button>
              </div>
            </form>
            <p id="key-status" role="status" aria-live="polite" class="muted">
              No key entered.
            </p>
          </section>

          <Overview />

          <section aria-labelledby="filter-heading" class="panel">
            <h2 id="filter-heading">3. Find records</h2>
            <form id="filters">
              <div class="grid">
                <Field id="partner_id" label="Partner" placeholder="ptn_..." />
                <Field id="fintech_id" label="Fintech" placeholder="ftc_..." />
                <Field id="token" label="Token id" placeholder="tok_..." hint="The token's id, never the token." />
                <Field id="endpoint" label="Endpoint" placeholder="/processor/auth/get" />
                <div class="field">
                  <label for="decision">Decision</label>
                  <select id="decision" name="decision">
                    <option value="">any</option>
                    {DECISIONS.map((d) => (
                      <option value={d}>{d}</option>
                    ))}
                  </select>
                </div>
                <Field id="from" label="From (UTC)" type="datetime-local" />
                <Field id="to" label="To (UTC, exclusive)" type="datetime-local" />
                <div class="field">
                  <label for="order">Order</label>
                  <select id="order" name="order">
                    <option value="desc">newest first</option>
                    <option value="asc">oldest first</option>
                  </select>
                </div>
                <div class="field">
                  <label for="limit">Per page</label>
                  <select id="limit" name="limit">
                    <option value="25">25</option>
                    <option value="50" selected>
                      50
                    </option>
                    <option value="100">100</option>
                    <option value="500">500</option>
                  </select>
                </div>
              </div>
              <div class="actions">
                <button type="submit">Search</button>
                <button type="reset" class="secondary">
                  Clear filters
                </button>
              </div>
            </form>
          </section>

          <section aria-labelledby="results-heading" class="panel" id="results" tabindex={-1}>
            <h2 id="results-heading">4. Records</h2>
            <p id="results-status" role="status" aria-live="polite" class="muted">
              Enter a key and search.
            </p>
            <div class="table-wrap">
              <table id="events" hidden>
                <caption class="visually-hidden">Audit records</caption>
                <thead>
                  <tr>
                    <th scope="col">Seq</th>
                    <th scope="col">Time (UTC)</th>
                    <th scope="col">Actor</th>
                    <th scope="col">Action</th>
                    <th scope="col">Endpoint</th>
                    <th scope="col">Decision</th>
                    <th scope="col">Status</th>
                    <th scope="col">Partner</th>
                    <th scope="col">Token</th>
                    <th scope="col">
                      <span class="visually-hidden">Details</span>
                    </th>
                  </tr>
                </thead>
                <tbody></tbody>
              </table>
            </div>
            <nav class="pager" aria-label="Pages">
              <button type="button" id="prev" class="secondary" disabled>
                ← Previous page
              </button>
              <span id="page-label" class="muted"></span>
              <button type="button" id="next" class="secondary" disabled>
                Next page →
              </button>
            </nav>
          </section>

          <section aria-labelledby="detail-heading" class="panel" id="detail" hidden tabindex={-1}>
            <h2 id="detail-heading">Record</h2>
            <dl id="detail-fields"></dl>
            <h3>Details</h3>
            <pre id="detail-json"></pre>
            <button type="button" id="close-detail" class="secondary">
              Close record
            </button>
          </section>

          <section aria-labelledby="export-heading" class="panel">
            <h2 id="export-heading">5. Export</h2>
            <p class="muted">Downloads every record matching the filters above, in chain order.</p>
            <div class="actions">
              <button type="button" id="export-jsonl">
                Download JSON Lines
              </button>
              <button type="button" id="export-csv">
                Download CSV
              </button>
            </div>
            <p id="export-status" role="status" aria-live="polite" class="muted"></p>
          </section>

          <section aria-labelledby="verify-heading" class="panel">
            <h2 id="verify-heading">6. Verify the chain</h2>
            <p class="muted">
              Recomputes every record's hash from the one before it. A changed record fails at its own position; a
              removed record fails at the one after it.
            </p>
            <button type="button" id="verify">
              Verify now
            </button>
            <div id="verify-result" role="status" aria-live="polite" class="verdict" hidden></div>
          </section>
        </main>
        <script nonce={props.nonce}>{raw(PAGE_SCRIPT)}</script>
      </body>
    </html>
  );
}

export function renderAuditPage(c: Context<AppEnv>) {
  const nonce = base64url(randomBytes(16));
  c.header(
    'content-security-policy',
    `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self' data:; form-action 'none'; base-uri 'none'; frame-ancestors 'none'`,
  );
  c.header('x-content-type-options', 'nosniff');
  c.header('referrer-policy', 'no-referrer');
  c.header('cache-control', 'no-store');
  return c.html(`<!doctype html>${(<AuditPage nonce={nonce} />).toString()}`);
}
