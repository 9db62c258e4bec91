/**
 * The inline script of GET /audit (plain ES2020, no build step, no libraries).
 * Values from records are only ever written with textContent.
 */
export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var KEY = 'gateway-audit-key';
  var FILTERS = ['partner_id', 'fintech_id', 'token', 'endpoint', 'decision', 'from', 'to'];
  var state = { cursors: [], current: null, next: null, events: [] };
  function $(id) { return document.getElementById(id); }
  function key() { return sessionStorage.getItem(KEY) || ''; }
  function setText(el, text, cls) { el.textContent = text; if (cls !== undefined) el.className = cls; }

  function showKeyStatus() {
    setText($('key-status'), key() ? 'A key is set for this tab.' : 'No key entered.', key() ? '' : 'muted');
  }

  function filterParams() {
    var p = new URLSearchParams();
    FILTERS.forEach(function (name) {
      var v = $(name).value.trim();
      if (!v) return;
      if (name === 'from' || name === 'to') v = v.length === 16 ? v + ':00Z' : v + 'Z';
      p.set(name, v);
    });
    return p;
  }

  async function api(path) {
    if (!key()) throw new Error('Enter your auditor or operator key first.');
    var res = await fetch(path, { headers: { authorization: 'Bearer ' + key() } });
    if (!res.ok) {
      var msg = 'HTTP ' + res.status;
      try { var body = await res.json(); msg = body.error_code + ': ' + body.error_message; } catch (e) {}
      throw new Error(msg);
    }
    return res;
  }

  function cell(tr, text, cls) {
    var td = document.createElement('td');
    td.textContent = text === null || text === undefined ? '' : String(text);
    if (cls) td.className = cls;
    tr.appendChild(td);
    return td;
  }

  function renderEvents(events) {
    var table = $('events');
    var tbody = table.querySelector('tbody');
    tbody.textContent = '';
    events.forEach(function (ev, i) {
      var tr = document.createElement('tr');
      tr.dataset.seq = String(ev.seq);
      cell(tr, ev.seq, 'mono');
      cell(tr, ev.occurred_at.slice(0, 19).replace('T', ' '), 'mono time').title = ev.occurred_at;
      var actor = cell(tr, ev.actor_type);
      if (ev.actor_id && ev.actor_id !== ev.actor_type) {
        var id = document.createElement('div');
        id.className = 'mono sub';
        id.textContent = ev.actor_id;
        actor.appendChild(id);
      }
      cell(tr, ev.action);
      cell(tr, ev.method + ' ' + ev.endpoint, 'mono');
      var d = cell(tr, '');
      var badge = document.createElement('span');
      badge.className = 'badge ' + ev.decision;
      badge.textContent = ev.decision;
      d.appendChild(badge);
      cell(tr, ev.http_status);
      cell(tr, ev.partner_id, 'mono');
      cell(tr, ev.token_id, 'mono');
      var open = cell(tr, '');
      var btn = document.createElement('button');
      btn.type = 'button';
      btn.className = 'link';
      btn.textContent = 'Open';
      btn.setAttribute('aria-label', 'Open record ' + ev.seq);
      btn.addEventListener('click', function () { openRecord(i); });
      open.appendChild(btn);
      tbody.appendChild(tr);
    });
    table.hidden = events.length === 0;
  }

  var NUMBER = new Intl.NumberFormat('en-US');
  function fmt(n) { return NUMBER.format(n); }
  function share(part, whole) {
    if (!whole) return '';
    var p = part * 100 / whole;
    return (p === 0 || p === 100 || p >= 10 ? Math.round(p) : p.toFixed(1)) + '% of calls';
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function sum(segments) { return segments.reduce(function (t, s) { return t + s[1]; }, 0); }
  function decisions(row) { return [['allow', row.allow], ['deny', row.deny], ['error', row.error]]; }
  function describe(row) { return 'allowed ' + fmt(row.allow) + ', denied ' + fmt(row.deny) + ', error ' + fmt(row.error); }

  function stat(id, value, whole) {
    var dd = $(id);
    dd.textContent = '';
    dd.appendChild(el('span', 'num', fmt(value)));
    if (whole !== undefined) dd.appendChild(el('small', 'share', share(value, whole)));
  }

  // A list of labelled bars; each bar is made of segments [class, count], scaled to the largest bar.
  // Widths are set through the CSSOM (element.style), which the page's CSP allows.
  function bars(id, items, labelOf, segmentsOf, titleOf, others, emptyText) {
    var list = $(id);
    list.textContent = '';
    if (items.length === 0) {
      list.appendChild(el('li', 'empty muted', emptyText));
      return;
    }
    var max = items.reduce(function (m, it) { return Math.max(m, sum(segmentsOf(it))); }, 0);
    items.forEach(function (it) {
      var segments = segmentsOf(it);
      var li = el('li', 'bar');
      var label = el('span', 'bar-label', labelOf(it));
      label.title = labelOf(it);
      var track = el('span', 'bar-track');
      segments.forEach(function (seg) {
        if (!seg[1]) return;
        var fill = el('span', 'bar-fill ' + seg[0]);
        fill.style.width = (seg[1] * 100 / max) + '%';
        track.appendChild(fill);
      });
      li.appendChild(label);
      li.appendChild(track);
      li.appendChild(el('span', 'bar-value', fmt(sum(segments))));
      if (titleOf) li.title = titleOf(it);
      list.appendChild(li);
    });
    if (others) list.appendChild(el('li', 'others muted', 'and ' + fmt(others) + ' more in smaller groups'));
  }

  // One column per day, stacked from the bottom, scaled to the busiest day.
  function columns(id, days, segmentsOf, describeDay) {
    var box = $(id);
    box.textContent = '';
    var max = days.reduce(function (m, d) { return Math.max(m, sum(segmentsOf(d))); }, 0);
    days.forEach(function (d) {
      var col = el('div', 'col');
      col.dataset.day = d.day;
      col.title = d.day + ': ' + describeDay(d);
      segmentsOf(d).forEach(function (seg) {
        if (!seg[1] || !max) return;
        var part = el('div', 'seg ' + seg[0]);
        part.style.height = (seg[1] * 100 / max) + '%';
        col.appendChild(part);
      });
      box.appendChild(col);
    });
    setText($(id + '-first'), days.length ? days[0].day : '');
    setText($(id + '-last'), days.length > 1 ? days[days.length - 1].day : '');
  }

  function renderSummary(s) {
    setText($('overview-scope'),
      (s.scope ? 'Partner ' + s.scope + ' only (this key reads no other partner). ' : 'Every partner. ') +
      'From ' + (s.from || 'the first record') + ' to ' + (s.to || 'now') + '; records up to seq ' + s.as_of_seq + '.');
    stat('stat-total', s.total);
    stat('stat-allow', s.by_decision.allow, s.total);
    stat('stat-deny', s.by_decision.deny, s.total);
    stat('stat-error', s.by_decision.error, s.total);
    stat('stat-rate-limited', s.rate_limited.total, s.total);
    stat('stat-plaid-errors', s.plaid_errors.total, s.total);

    columns('chart-days', s.by_day, decisions, function (d) { return fmt(d.total) + ' calls, ' + describe(d); });
    columns('chart-plaid-days', s.by_day, function (d) { return [['plaid', d.plaid_errors]]; },
      function (d) { return fmt(d.plaid_errors) + ' Plaid errors'; });
    bars('chart-reasons', s.denials_by_reason.items, function (r) { return r.reason === null ? '(no reason)' : r.reason; },
      function (r) { return [['deny', r.count]]; }, null, s.denials_by_reason.others, 'No denials.');
    bars('chart-partners', s.by_partner.items,
      function (p) { return p.partner_id === null ? '(no partner: operator, sign-in failures)' : p.partner_id; },
      decisions, describe, s.by_partner.others, 'No records.');
    bars('chart-endpoints', s.by_endpoint.items, function (e) { return e.endpoint; }, decisions, describe,
      s.by_endpoint.others, 'No records.');
    bars('chart-scopes', s.rate_limited.by_scope, function (r) { return 'per ' + r.scope; },
      function (r) { return [['deny', r.count]]; }, null, 0, 'No call was rate limited.');
    bars('chart-plaid', s.plaid_errors.items, function (p) { return p.error_code; },
      function (p) { return [['plaid', p.count]]; }, null, s.plaid_errors.others, 'No Plaid errors.');

    var tbody = $('days-table').querySelector('tbody');
    tbody.textContent = '';
    s.by_day.forEach(function (d) {
      var tr = document.createElement('tr');
      cell(tr, d.day, 'mono time');
      [d.total, d.allow, d.deny, d.error, d.rate_limited, d.plaid_errors].forEach(function (v) { cell(tr, fmt(v), 'num'); });
      tbody.appendChild(tr);
    });
  }

  async function loadSummary() {
    var status = $('overview-status');
    setText(status, 'Loading the overview…', 'muted');
    try {
      var s = await (await api('/audit/summary?' + filterParams().toString())).json();
      renderSummary(s);
      $('overview-body').hidden = false;
      setText(status, s.total === 0
        ? 'No records match these filters.'
        : fmt(s.total) + ' record' + (s.total === 1 ? '' : 's') + ' match these filters.', '');
    } catch (err) {
      $('overview-body').hidden = true;
      setText(status, err.message, 'error-text');
    }
  }

  function hideSummary(message) {
    $('overview-body').hidden = true;
    if (message) setText($('overview-status'), message, 'error-text');
    else setText($('overview-status'), 'Enter a key to see the overview.', 'muted');
  }

  // withSummary: a new search (not another page of the same one) also refreshes the overview, once the records load.
  async function load(cursor, withSummary) {
    var status = $('results-status');
    setText(status, 'Loading…', 'muted');
    try {
      var p = filterParams();
      p.set('limit', $('limit').value);
      p.set('order', $('order').value);
      if (cursor) p.set('cursor', cursor);
      var body = await (await api('/audit/events?' + p.toString())).json();
      state.current = cursor;
      state.next = body.next_cursor;
      state.events = body.events;
      renderEvents(body.events);
      var page = state.cursors.length + 1;
      setText(status, body.events.length === 0
        ? 'No records match these filters.'
        : 'Showing ' + body.events.length + ' record' + (body.events.length === 1 ? '' : 's') +
          ' (seq ' + body.events[0].seq + ' to ' + body.events[body.events.length - 1].seq + ').', '');
      setText($('page-label'), body.events.length ? 'Page ' + page : '');
      $('next').disabled = !body.next_cursor;
      $('prev').disabled = state.cursors.length === 0;
      if (withSummary) loadSummary();
    } catch (err) {
      if (withSummary) hideSummary(err.message);
      renderEvents([]);
      setText(status, err.message, 'error-text');
      $('next').disabled = true;
      $('prev').disabled = true;
    }
  }

  function openRecord(i) {
    var ev = state.events[i];
    var dl = $('detail-fields');
    dl.textContent = '';
    // Every field the API returns, in its order (details is shown below as JSON).
    Object.keys(ev).filter(function (f) { return f !== 'details'; }).forEach(function (f) {
      var dt = document.createElement('dt'); dt.textContent = f;
      var dd = document.createElement('dd');
      dd.textContent = ev[f] === null || ev[f] === undefined ? '—' : String(ev[f]);
      dl.appendChild(dt); dl.appendChild(dd);
    });
    $('detail-json').textContent = JSON.stringify(ev.details, null, 2);
    setText($('detail-heading'), 'Record ' + ev.seq);
    document.querySelectorAll('#events tr.selected').forEach(function (tr) { tr.classList.remove('selected'); });
    var row = document.querySelector('#events tr[data-seq="' + ev.seq + '"]');
    if (row) row.classList.add('selected');
    var detail = $('detail');
    detail.hidden = false;
    detail.focus();
  }

  async function download(format) {
    var status = $('export-status');
    setText(status, 'Preparing ' + format.toUpperCase() + ' export…', 'muted');
    try {
      var p = filterParams();
      p.set('format', format);
      var res = await api('/audit/export?' + p.toString());
      var blob = await res.blob();
      var name = 'audit.' + format;
      var m = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') || '');
      if (m) name = m[1];
      var a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = name;
      document.body.appendChild(a);
      a.click();
      setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
      setText(status, 'Downloaded ' + name + ' (' + blob.size + ' bytes).', '');
    } catch (err) {
      setText(status, err.message, 'error-text');
    }
  }

  async function verify() {
    var box = $('verify-result');
    box.hidden = false;
    box.className = 'verdict';
    box.textContent = 'Verifying…';
    try {
      // A reviewer's check walks the whole chain (limited per key); routine checks walk what is new.
      var r = await (await api('/audit/verify?full=true')).json();
      box.textContent = '';
      var head = document.createElement('strong');
      var more = document.createElement('p');
      if (r.ok) {
        box.className = 'verdict pass';
        head.textContent = 'PASS: the chain is intact.';
        var counted = r.records_in_scope !== undefined ? r.records_in_scope : r.checked;
        more.textContent = counted + ' record' + (counted === 1 ? '' : 's') + (r.records_in_scope !== undefined ? ' of your partner' : '') + ' checked' +
          (r.last_hash ? '; head hash ' + r.last_hash : '') + '.';
      } else {
        box.className = 'verdict fail';
        head.textContent = 'FAIL: the chain is broken' + (r.first_bad_seq ? ' at record ' + r.first_bad_seq : '') + '.';
        more.textContent = (r.message || r.reason || '') + ' (' + r.checked + ' records checked.)';
      }
      box.appendChild(head);
      box.appendChild(more);
    } catch (err) {
      box.className = 'verdict fail';
      box.textContent = 'Could not verify: ' + err.message;
    }
  }

  $('key-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var v = $('key').value.trim();
    if (!v) return;
    sessionStorage.setItem(KEY, v);
    $('key').value = '';
    showKeyStatus();
    state.cursors = [];
    load(null, true);
  });
  $('forget').addEventListener('click', function () {
    sessionStorage.removeItem(KEY);
    showKeyStatus();
    hideSummary();
    renderEvents([]);
    setText($('results-status'), 'Enter a key and search.', 'muted');
  });
  $('filters').addEventListener('submit', function (e) { e.preventDefault(); state.cursors = []; load(null, true); });
  $('next').addEventListener('click', function () {
    if (!state.next) return;
    state.cursors.push(state.current);
    load(state.next);
  });
  $('prev').addEventListener('click', function () {
    if (state.cursors.length === 0) return;
    load(state.cursors.pop());
  });
  $('close-detail').addEventListener('click', function () { $('detail').hidden = true; });
  $('export-jsonl').addEventListener('click', function () { download('jsonl'); });
  $('export-csv').addEventListener('click', function () { download('csv'); });
  $('verify').addEventListener('click', verify);
  showKeyStatus();
  if (key()) load(null, true);
})();
`;
