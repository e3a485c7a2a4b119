// shopstream console: reads the local stack's JSON (GET /status, /api/..., /api/recommend/... forwarded to the
// recommend function) and draws it. Every value from the server is put into the page as text (textContent,
// createTextNode, SVG attributes): nothing is ever parsed as HTML, so a hostile payload shows as what it is.
'use strict';

const STATUS_EVERY_MS = 2000;
const SLOW_EVERY_MS = 5000;
const HISTORY = 60; // status samples kept for the ingest sparkline (2 minutes)
const SVG = 'http://www.w3.org/2000/svg';
const COLORS = ['#2563eb', '#f97316', '#16a34a', '#db2777', '#7c3aed', '#0891b2', '#ca8a04', '#64748b'];

const $ = (id) => document.getElementById(id);
const titles = new Map(); // product_id -> title, from the catalog (GET /api/products)
let previous = null; // last /status answer
const history = [];

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v; else e.setAttribute(k, v);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function svg(tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  return e;
}

async function getJson(url) {
  const r = await fetch(url, {cache: 'no-store'});
  let body = null;
  try { body = await r.json(); } catch (e) { body = null; }
  return {status: r.status, body};
}

const fmt = new Intl.NumberFormat('en-US');
function n(v) { return v === null || v === undefined ? '–' : fmt.format(v); }
function rate(v) { return v < 10 ? v.toFixed(1) : fmt.format(Math.round(v)); }
function age(ms) {
  if (ms === null || ms === undefined) return '–';
  if (ms < 1000) return ms + ' ms';
  const s = ms / 1000;
  if (s < 120) return s.toFixed(1) + ' s';
  if (s < 7200) return (s / 60).toFixed(1) + ' min';
  return (s / 3600).toFixed(1) + ' h';
}
function time(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return d.toISOString().substring(11, 19);
}

// ---------------------------------------------------------------------------------------------- the flow

async function refreshStatus() {
  let s;
  try {
    const r = await getJson('/status');
    if (r.status !== 200) throw new Error('HTTP ' + r.status);
    s = r.body;
  } catch (e) {
    $('health').textContent = 'stack unreachable';
    $('health').className = 'pill bad';
    return;
  }
  $('health').textContent = 'live';
  $('health').className = 'pill ok';
  $('updated').textContent = 'updated ' + time(s.at) + ' UTC';

  const ingest = s.ingest || {};
  let acceptedRate = 0;
  let rejectedRate = 0;
  if (previous && previous.ingest) {
    const dt = (Date.parse(s.at) - Date.parse(previous.at)) / 1000;
    if (dt > 0) {
      acceptedRate = Math.max(0, (ingest.accepted - previous.ingest.accepted) / dt);
      rejectedRate = Math.max(0, (ingest.rejected - previous.ingest.rejected) / dt);
    }
  }
  previous = s;
  history.push({accepted: acceptedRate, rejected: rejectedRate});
  while (history.length > HISTORY) history.shift();
  $('ingest-accepted-rate').textContent = rate(acceptedRate);
  $('ingest-rejected-rate').textContent = rate(rejectedRate);
  $('ingest-accepted-total').textContent = n(ingest.accepted);
  $('ingest-rejected-total').textContent = n(ingest.rejected);
  $('ingest-refused-total').textContent = n(ingest.refused_requests);
  drawSpark();

  const subs = $('subscriptions');
  subs.replaceChildren();
  for (const [name, sub] of Object.entries(s.subscriptions || {})) {
    const old = sub.oldest_unacked_age_ms;
    subs.append(el('tr', {'data-subscription': name}, el('td', {}, name),
        el('td', {class: 'r num' + (sub.backlog > 1000 ? ' warn' : '')}, n(sub.backlog)),
        el('td', {class: 'r' + (old > 60000 ? ' warn' : '')}, age(old))));
  }

  const p = s.pipeline || {};
  $('pipeline-runner').textContent = p.runner || '';
  $('pipeline-state').textContent = p.state || '?';
  $('pipeline-state').className = 'pill ' + (p.state === 'RUNNING' ? 'ok' : 'bad');
  $('watermark-lag').textContent = age(p.watermark_lag_ms);
  drawCounters(p.counters || {});

  const rows = $('warehouse-rows');
  rows.replaceChildren();
  for (const [table, count] of Object.entries(s.warehouse || {})) {
    rows.append(el('tr', {'data-table': table}, el('td', {}, table), el('td', {class: 'r num'}, n(count))));
  }
}

function drawCounters(counters) {
  const steps = new Map();
  for (const [name, value] of Object.entries(counters)) {
    const i = name.lastIndexOf('.');
    const step = i > 0 ? name.substring(0, i) : name;
    const counter = i > 0 ? name.substring(i + 1) : '';
    if (!steps.has(step)) steps.set(step, []);
    steps.get(step).push([counter, value]);
  }
  const body = $('pipeline-counters');
  body.replaceChildren();
  if (steps.size === 0) {
    body.append(el('tr', {}, el('td', {colspan: 2, class: 'muted'}, 'no counters yet')));
  }
  for (const [step, list] of [...steps.entries()].sort()) {
    // a namespace that is a Java class name (org.apache...Foo) shows as its simple name; the tooltip has it all
    const shown = /^[a-z]+(\.[a-z0-9_]+)+\.[A-Z]/.test(step) ? step.substring(step.lastIndexOf('.') + 1) : step;
    const cell = el('td', {});
    for (const [counter, value] of list) {
      cell.append(el('span', {class: 'chip' + (/dead|late|unknown|dupl|fail/.test(counter) && value > 0 ? ' warn' : ''),
        'data-counter': step + '.' + counter}, counter + ' ', el('b', {}, n(value))));
    }
    body.append(el('tr', {}, el('td', {class: 'step', title: step}, el('div', {}, shown)), cell));
  }
}

function drawSpark() {
  const chart = $('ingest-spark');
  chart.replaceChildren();
  const max = Math.max(1, ...history.map((h) => Math.max(h.accepted, h.rejected)));
  for (const [key, color] of [['accepted', '#16a34a'], ['rejected', '#dc2626']]) {
    const offset = HISTORY - history.length;
    const points = history.map((h, i) => ((offset + i) * 300 / (HISTORY - 1)).toFixed(1) + ',' + (48 - h[key] * 44 / max).toFixed(1));
    if (points.length > 1) {
      chart.append(svg('polyline', {points: points.join(' '), fill: 'none', stroke: color, 'stroke-width': 2,
        'vector-effect': 'non-scaling-stroke'}));
    }
  }
}

// ---------------------------------------------------------------------------------------------- failures

async function refreshDeadLetters() {
  const r = await getJson('/api/dead-letters?limit=20');
  if (r.status !== 200) return;
  $('dead-letters-total').textContent = n(r.body.total) + ' in the warehouse, newest first';
  const body = $('dead-letters');
  body.replaceChildren();
  if (r.body.items.length === 0) {
    body.append(el('tr', {}, el('td', {colspan: 4, class: 'muted'}, 'none')));
  }
  for (const d of r.body.items) {
    // the payload is text: createTextNode inside <code>, never markup
    body.append(el('tr', {class: 'dead-letter'}, el('td', {}, time(d.failed_at)), el('td', {class: 'step'}, d.step),
        el('td', {class: 'reason', title: d.error}, el('div', {class: 'clamp'}, d.error)),
        el('td', {class: 'payload', title: d.payload}, el('code', {}, d.payload))));
  }
}

async function refreshUploads() {
  const r = await getJson('/api/uploads?limit=20');
  if (r.status !== 200) return;
  $('uploads-total').textContent = n(r.body.total) + ' finished';
  const body = $('uploads');
  body.replaceChildren();
  if (r.body.items.length === 0) {
    body.append(el('tr', {}, el('td', {colspan: 5, class: 'muted'}, 'none yet')));
  }
  for (const u of r.body.items) {
    const report = u.error_report_url
      ? el('a', {href: u.error_report_url, target: '_blank', rel: 'noopener'}, 'errors')
      : null;
    const status = u.status || '?';
    const links = el('div', {class: 'links'}, el('a', {href: u.summary_url, target: '_blank', rel: 'noopener'}, 'summary'),
        u.error_report_url ? ' · ' : null, u.error_report_url ? report : null);
    body.append(el('tr', {class: 'upload'}, el('td', {class: 'object'}, u.object || u.summary_object, links),
        el('td', {}, el('span', {class: 'pill ' + (status === 'succeeded' ? 'ok' : status.startsWith('succeeded') ? 'warn' : 'bad')}, status)),
        el('td', {class: 'r num'}, n(u.rows_read)), el('td', {class: 'r num'}, n(u.published)),
        el('td', {class: 'r num' + (u.rejected > 0 ? ' bad' : '')}, n(u.rejected))));
  }
}

// ---------------------------------------------------------------------------------------------- trending

async function refreshTrends() {
  const r = await getJson('/api/trends?k=5&hours=6');
  if (r.status !== 200) return;
  const chart = $('trends-chart');
  const legend = $('trends-legend');
  chart.replaceChildren();
  legend.replaceChildren();
  const ends = r.body.window_ends.map((e) => Date.parse(e));
  const series = r.body.series;
  const W = 640, H = 250, L = 44, R = 12, T = 10, B = 26;
  if (ends.length === 0 || series.length === 0) {
    const t = svg('text', {x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'axis'});
    t.textContent = 'no trend windows yet (the first early pane comes about a minute after events)';
    chart.append(t);
    return;
  }
  const x0 = ends[0], x1 = Math.max(ends[ends.length - 1], x0 + 1);
  const max = Math.max(1, ...series.flatMap((s) => s.points));
  const x = (t) => L + (t - x0) * (W - L - R) / (x1 - x0);
  const y = (v) => H - B - v * (H - T - B) / max;
  for (let i = 0; i <= 4; i++) {
    const v = max * i / 4;
    chart.append(svg('line', {x1: L, x2: W - R, y1: y(v), y2: y(v), class: 'gridline'}));
    const label = svg('text', {x: L - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'axis'});
    label.textContent = v >= 10 ? Math.round(v) : v.toFixed(1);
    chart.append(label);
  }
  const ticks = Math.min(6, ends.length);
  for (let i = 0; i < ticks; i++) {
    const t = ends.length === 1 ? ends[0] : x0 + (x1 - x0) * i / Math.max(1, ticks - 1);
    const label = svg('text', {x: x(t), y: H - 8, 'text-anchor': i === 0 ? 'start' : i === ticks - 1 ? 'end' : 'middle', class: 'axis'});
    label.textContent = new Date(t).toISOString().substring(11, 16);
    chart.append(label);
  }
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = s.points.map((v, j) => x(ends[j]).toFixed(1) + ',' + y(v).toFixed(1));
    if (pts.length === 1) {
      chart.append(svg('circle', {cx: x(ends[0]), cy: y(s.points[0]), r: 4, fill: color}));
    } else {
      chart.append(svg('polyline', {points: pts.join(' '), fill: 'none', stroke: color, 'stroke-width': 2.5,
        'stroke-linejoin': 'round'}));
    }
    if (s.title) titles.set(s.product_id, s.title);
    const last = s.points[s.points.length - 1];
    legend.append(el('li', {}, el('i', {class: 'swatch c' + (i % COLORS.length)}),
        el('span', {}, s.title || s.product_id), ' ', el('small', {class: 'muted'}, s.product_id + ' · ' + n(last))));
  });
}

// ---------------------------------------------------------------------------------------------- explorer

async function loadTitles(ids) {
  const missing = [...new Set(ids)].filter((id) => !titles.has(id));
  if (missing.length === 0) return;
  const r = await getJson('/api/products?ids=' + encodeURIComponent(missing.slice(0, 200).join(',')));
  if (r.status === 200) {
    for (const p of r.body.items) titles.set(p.product_id, p.title || '');
  }
  for (const id of missing) if (!titles.has(id)) titles.set(id, '');
}

function product(id) {
  const title = titles.get(id);
  return el('span', {class: 'product'}, title ? el('b', {}, title) : null, title ? ' ' : null,
      el('small', {class: 'muted'}, id));
}

function itemList(answer, cls) {
  if (answer.status !== 200) {
    return el('p', {class: 'bad'}, (answer.body && answer.body.message) || ('HTTP ' + answer.status));
  }
  const b = answer.body;
  const list = el('ol', {class: 'items ' + cls});
  for (const it of b.items) {
    list.append(el('li', {class: 'item'}, product(it.product_id), el('span', {class: 'score num'}, it.score.toFixed(2)),
        el('div', {class: 'reason'}, it.reason)));
  }
  if (b.items.length === 0) list.append(el('li', {class: 'muted'}, 'nothing yet'));
  const meta = el('p', {class: 'muted meta'}, 'strategy ' + b.strategy + (b.fallback ? ' · fallback ' + b.fallback : '')
      + ' · model as of ' + time(b.as_of) + (b.stale ? ' · STALE' : ''));
  return el('div', {}, list, meta);
}

async function exploreUser(user) {
  const out = $('explorer-result');
  out.replaceChildren(el('p', {class: 'muted'}, 'loading…'));
  const q = encodeURIComponent(user);
  const [activity, recs] = await Promise.all([getJson('/api/users/' + q),
    getJson('/api/recommend/recommendations?k=8&user_id=' + q)]);
  const recent = activity.status === 200 ? activity.body.recent_items : [];
  await loadTitles([...recent.map((i) => i.product_id), ...((recs.body && recs.body.items) || []).map((i) => i.product_id)]);
  const recentList = el('ul', {class: 'items recent'});
  for (const i of recent.slice(0, 8)) {
    recentList.append(el('li', {}, product(i.product_id), el('span', {class: 'tag'}, i.event_type), el('small', {class: 'muted'}, ' ' + time(i.event_time))));
  }
  if (recent.length === 0) recentList.append(el('li', {class: 'muted'}, activity.status === 404 ? 'unknown user' : 'none'));
  out.replaceChildren(el('div', {class: 'cols'},
      el('div', {}, el('h3', {}, 'Recent items of ', el('q', {}, user)), recentList),
      el('div', {}, el('h3', {}, 'Recommended'), itemList(recs, 'recommendations'))));
}

async function exploreProduct(id) {
  const out = $('explorer-result');
  out.replaceChildren(el('p', {class: 'muted'}, 'loading…'));
  const q = encodeURIComponent(id);
  const [similar, together] = await Promise.all([getJson('/api/recommend/products/' + q + '/similar?k=6'),
    getJson('/api/recommend/products/' + q + '/bought-together?k=6')]);
  await loadTitles([id, ...[similar, together].flatMap((a) => ((a.body && a.body.items) || []).map((i) => i.product_id))]);
  out.replaceChildren(el('p', {}, 'For ', product(id)), el('div', {class: 'cols'},
      el('div', {}, el('h3', {}, 'Similar (viewed together)'), itemList(similar, 'similar')),
      el('div', {}, el('h3', {}, 'Bought together'), itemList(together, 'bought-together'))));
}

async function refreshSuggestions() {
  const [users, products] = await Promise.all([getJson('/api/users?limit=50'), getJson('/api/products?limit=200')]);
  if (users.status === 200) $('user-list').replaceChildren(...users.body.items.map((u) => el('option', {value: u})));
  if (products.status === 200) {
    for (const p of products.body.items) titles.set(p.product_id, p.title || '');
    $('product-list').replaceChildren(...products.body.items.map((p) => el('option', {value: p.product_id}, p.title || '')));
  }
}

// ---------------------------------------------------------------------------------------------- quality

function f3(v) { return v === null || v === undefined ? '–' : v.toFixed(3); }

async function refreshQuality() {
  const r = await getJson('/api/quality');
  if (r.status !== 200) return;
  const box = $('quality');
  const q = r.body;
  if (!q.report) {
    $('quality-meta').textContent = 'newest evaluation report';
    box.replaceChildren(el('p', {class: 'muted', id: 'quality-none'}, 'no report yet — run:'),
        el('p', {}, el('code', {}, q.command)),
        el('p', {class: 'muted'}, 'It writes report.html and report.json into ' + q.reports_dir + '/…'));
    return;
  }
  const rep = q.report;
  $('quality-meta').textContent = rep.protocol + ' · ' + n(rep.trials) + ' trials · '
      + (rep.generated_at ? rep.generated_at.substring(0, 16).replace('T', ' ') + ' UTC' : '') + ' · best first';
  const best = {};
  for (const f of ['hr_at_10', 'hr_at_20', 'ndcg_at_10', 'ndcg_at_20', 'coverage']) {
    best[f] = Math.max(...rep.methods.map((m) => m[f] === null ? -1 : m[f]));
  }
  const cell = (m, f) => el('td', {class: 'r num' + (m[f] !== null && m[f] === best[f] && best[f] > 0 ? ' best' : '')},
      f3(m[f]));
  // best first: the HR at the report's own k (10 or 20), then the list's order
  const key = rep.k >= 20 ? 'hr_at_20' : 'hr_at_10';
  const ranked = rep.methods.map((m, i) => [m, i])
      .sort((a, b) => ((b[0][key] ?? -1) - (a[0][key] ?? -1)) || a[1] - b[1]).map((p) => p[0]);
  const rows = ranked.map((m) => el('tr', {class: 'quality-row', 'data-method': m.name},
      el('td', {class: 'method', title: m.name}, m.name), cell(m, 'hr_at_10'), cell(m, 'hr_at_20'), cell(m, 'ndcg_at_10'),
      cell(m, 'ndcg_at_20'), el('td', {class: 'r num', title: n(m.distinct_items) + ' of ' + n(rep.catalog_items) + ' items'},
          f3(m.coverage))));
  const table = el('table', {class: 'grid'}, el('thead', {},
      el('tr', {}, el('th', {rowspan: 2}, 'method'), el('th', {class: 'group', colspan: 2}, 'HR'),
          el('th', {class: 'group', colspan: 2}, 'NDCG'),
          el('th', {class: 'r', rowspan: 2, title: 'catalog coverage at the report\'s k = ' + rep.k}, 'cov.')),
      el('tr', {}, el('th', {class: 'r'}, '@10'), el('th', {class: 'r'}, '@20'), el('th', {class: 'r'}, '@10'),
          el('th', {class: 'r'}, '@20'))),
      el('tbody', {}, ...rows));
  const links = el('div', {class: 'links'},
      q.html_url ? el('a', {id: 'quality-link', href: q.html_url, target: '_blank', rel: 'noopener'}, 'full report') : null,
      q.html_url ? ' · ' : null, q.json_url ? el('a', {href: q.json_url, target: '_blank', rel: 'noopener'}, 'report.json') : null,
      rep.tuning ? ' · tuned: ' + rep.tuning.configs + ' configs, #' + rep.tuning.chosen + ' chosen' : null);
  box.replaceChildren(el('div', {class: 'scroll'}, table), links);
}

// ---------------------------------------------------------------------------------------------- start

function every(ms, task) {
  const run = () => task().catch((e) => console.warn(e)).finally(() => setTimeout(run, ms));
  run();
}

document.addEventListener('DOMContentLoaded', () => {
  $('user-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const v = $('user-input').value.trim();
    if (v) exploreUser(v).catch((err) => $('explorer-result').replaceChildren(el('p', {class: 'bad'}, String(err))));
  });
  $('product-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const v = $('product-input').value.trim();
    if (v) exploreProduct(v).catch((err) => $('explorer-result').replaceChildren(el('p', {class: 'bad'}, String(err))));
  });
  every(STATUS_EVERY_MS, refreshStatus);
  every(SLOW_EVERY_MS, refreshDeadLetters);
  every(SLOW_EVERY_MS, refreshUploads);
  every(SLOW_EVERY_MS * 2, refreshTrends);
  every(SLOW_EVERY_MS * 4, refreshSuggestions);
  every(SLOW_EVERY_MS * 2, refreshQuality);
});
