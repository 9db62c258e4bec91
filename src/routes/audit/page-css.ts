/** Styles of GET /audit: plain, readable, high contrast, no external fonts. */
export const PAGE_CSS = `
:root { --fg:#1b1f24; --muted:#57606a; --bg:#f6f8fa; --panel:#fff; --line:#d0d7de; --accent:#0b5cad;
  --ok-bg:#dafbe1; --ok-fg:#0f5323; --bad-bg:#ffebe9; --bad-fg:#8c1d18; --focus:#ffbf47;
  --c-allow:#2da44e; --c-deny:#cf222e; --c-error:#bf8700; --c-plaid:#8250df; }
* { box-sizing: border-box; }
body { margin:0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--fg); background: var(--bg); }
header, main { max-width: 1400px; margin: 0 auto; padding: 0 1.25rem; }
header { padding-top: 1.5rem; }
h1 { margin: 0 0 .25rem; font-size: 1.75rem; }
h2 { margin: 0 0 .75rem; font-size: 1.2rem; }
h3 { font-size: 1rem; margin: 1rem 0 .25rem; }
.lede { margin: 0 0 1rem; color: var(--muted); max-width: 60rem; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.25rem; margin: 0 0 1rem; }
.row { display: flex; gap: 1rem; align-items: flex-end; flex-wrap: wrap; }
.grow { flex: 1 1 22rem; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(13rem, 1fr)); gap: .75rem 1rem; }
.field { display: flex; flex-direction: column; gap: .2rem; }
label { font-weight: 600; font-size: .9rem; }
input, select { font: inherit; padding: .4rem .5rem; border: 1px solid #8c959f; border-radius: 6px; background: #fff; color: var(--fg); min-height: 2.4rem; }
.hint, .muted { color: var(--muted); font-size: .875rem; }
.actions { display: flex; gap: .5rem; flex-wrap: wrap; margin-top: .75rem; }
.row .actions { margin-top: 0; padding-bottom: 1.5rem; }
button { font: inherit; font-weight: 600; padding: .45rem .9rem; border-radius: 6px; border: 1px solid var(--accent);
  background: var(--accent); color: #fff; cursor: pointer; min-height: 2.4rem; }
button.secondary { background: #fff; color: var(--accent); }
button.link { background: none; border: none; color: var(--accent); text-decoration: underline; padding: .1rem .25rem; min-height: 0; }
button:disabled { opacity: .45; cursor: not-allowed; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: .35rem .4rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--bg); position: sticky; top: 0; }
td.mono { overflow-wrap: anywhere; }
td.time { white-space: nowrap; overflow-wrap: normal; }
td.mono, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .8rem; }
.sub { color: var(--muted); }
tr.selected td { background: #fff8c5; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: .8rem; font-weight: 600; border: 1px solid; }
.badge.allow { color: var(--ok-fg); background: var(--ok-bg); border-color: #4ac26b; }
.badge.deny { color: var(--bad-fg); background: var(--bad-bg); border-color: #ff8182; }
.badge.error { color: #7d4e00; background: #fff8c5; border-color: #d4a72c; }
.pager { display: flex; justify-content: space-between; align-items: center; margin-top: .75rem; gap: 1rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
dt { font-weight: 600; color: var(--muted); }
dd { margin: 0; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85rem; overflow-wrap: anywhere; }
pre { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: .75rem; overflow-x: auto; margin: 0 0 1rem; }
.verdict { margin-top: .75rem; padding: .75rem 1rem; border-radius: 6px; border: 1px solid; font-weight: 600; }
.verdict.pass { background: var(--ok-bg); color: var(--ok-fg); border-color: #4ac26b; }
.verdict.fail { background: var(--bad-bg); color: var(--bad-fg); border-color: #ff8182; }
.verdict p { margin: .25rem 0 0; font-weight: 400; }
.error-text { color: var(--bad-fg); }
.stats { display: grid; grid-template-columns: repeat(auto-fill, minmax(10rem, 1fr)); gap: .75rem; margin: 0 0 1rem; }
.stat { border: 1px solid var(--line); border-left: 6px solid var(--accent); border-radius: 6px; padding: .5rem .75rem; }
.stat.allow { border-left-color: var(--c-allow); }
.stat.deny { border-left-color: var(--c-deny); }
.stat.error { border-left-color: var(--c-error); }
.stat dt { font-size: .85rem; }
.stat dd { margin: 0; font-family: inherit; font-size: 1rem; }
.stat .num { display: block; font-size: 1.75rem; font-weight: 700; line-height: 1.2; font-variant-numeric: tabular-nums; }
.stat .share { color: var(--muted); }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(24rem, 1fr)); gap: 1rem 1.5rem; }
.chart { margin: 0; min-width: 0; }
.chart.wide { grid-column: 1 / -1; }
figcaption { font-weight: 600; margin-bottom: .35rem; }
.bars { list-style: none; margin: 0; padding: 0; }
.bar { display: grid; grid-template-columns: minmax(6rem, 14rem) 1fr 4rem; gap: .5rem; align-items: center; font-size: .85rem; padding: .1rem 0; }
.bar-label { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .8rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.bar-track { display: flex; height: .9rem; background: var(--bg); border-radius: 3px; overflow: hidden; }
.bar-value { text-align: right; font-variant-numeric: tabular-nums; }
.bar-fill.allow, .seg.allow, .swatch.allow { background: var(--c-allow); }
.bar-fill.deny, .seg.deny, .swatch.deny { background: var(--c-deny); }
.bar-fill.error, .seg.error, .swatch.error { background: var(--c-error); }
.bar-fill.plaid, .seg.plaid, .swatch.plaid { background: var(--c-plaid); }
.bars .others, .bars .empty { font-size: .85rem; padding: .1rem 0; }
.columns { display: flex; align-items: flex-end; gap: 2px; height: 8rem; border-bottom: 1px solid #8c959f; background: var(--bg); }
.col { flex: 1 1 0; min-width: 1px; height: 100%; display: flex; flex-direction: column-reverse; }
.col:hover { outline: 1px solid var(--fg); }
.axis { display: flex; justify-content: space-between; font-size: .8rem; color: var(--muted); font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.legend { list-style: none; display: flex; gap: 1rem; margin: .25rem 0 0; padding: 0; font-size: .8rem; color: var(--muted); }
.swatch { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px; margin-right: .3rem; vertical-align: -.1rem; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
details { margin-top: 1rem; }
summary { cursor: pointer; font-weight: 600; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; z-index: 1; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
