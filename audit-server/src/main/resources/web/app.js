'use strict';
/*
 * The egress-audit page: a live view of the audit server for a bastion operator.
 *
 * The renderers below are pure: they turn an API answer into a tree of nodes, {tag, cls, title,
 * children}, with strings as text. Only show() turns a tree into DOM, with createElement and
 * text nodes: names come from the cluster, so no value is ever parsed as markup. The same renderers
 * run under Node in the tests, on real API answers (module.exports at the end).
 *
 * No framework, no build step, no external URL: the page is served by the API and must work on a
 * bastion without internet. Every path is relative, so it also works behind a prefixing proxy.
 */

/** How often the status, the anomalies and (when followed) the hits are asked again, in ms. */
const POLL_MS = 5000;

/** How long one answer may take before the server counts as unreachable, in ms. */
const FETCH_TIMEOUT_MS = 15000;

/** Hits shown, newest first. */
const HIT_LIMIT = 200;

/** An element node; children may be strings, nodes, nested arrays, or null/false (skipped). */
function h(tag, cls, ...children) {
  return { tag, cls: cls || null, title: null, children: children.flat(Infinity).filter(keep) };
}

function keep(c) {
  return c !== null && c !== undefined && c !== false && c !== '';
}

/** The same node with a tooltip. */
function titled(node, title) {
  return Object.assign({}, node, { title: title || null });
}

/** A cell across every column of its table (a message in place of rows). */
function wide(text, cls) {
  return h('tr', null, Object.assign(h('td', cls, text), { colspan: 9 }));
}

/** An RFC 3339 time without its fraction of a second; '—' when absent. */
function time(t) {
  return t ? String(t).replace(/\.\d+Z$/, 'Z') : '—';
}

/** Seconds as "12 s ago", "5 min ago", "3 h ago", "2 d ago". */
function ago(seconds) {
  if (seconds === null || seconds === undefined || seconds < 0) return '';
  return span(seconds) + ' ago';
}

/** A length of time in seconds as its largest fitting unit: 45 s, 15 min, 25 h, 3 d. */
function span(seconds) {
  const s = Math.round(seconds);
  if (s < 120) return s + ' s';
  if (s < 7200) return Math.round(s / 60) + ' min';
  if (s < 172800) return Math.round(s / 3600) + ' h';
  return Math.round(s / 86400) + ' d';
}

function list(values) {
  return values && values.length ? values.join(', ') : '';
}

/**
 * A source's sync state as one phrase: synced, syncing (: last error), stale since T: reason. Reads
 * status, since and reason of GET /api/v1/clusters and /readyz; a cluster only imported has none.
 */
function statePhrase(s) {
  switch (s.status) {
    case 'synced':
      return 'synced';
    case 'syncing':
      return 'syncing' + (s.reason ? ': ' + s.reason : '');
    case 'stale':
      return 'stale since ' + time(s.since) + (s.reason ? ': ' + s.reason : '');
    default:
      return s.status ? String(s.status) : 'imported (no source in this server)';
  }
}

/**
 * The state, and since when for synced and syncing (stale says it in its phrase); for a cluster
 * whose state was last recorded long ago (an old dump imported), the age note whois gives too.
 */
function stateCell(s) {
  return h(
    'td',
    'state state-' + (s.status || 'none'),
    statePhrase(s),
    s.since && s.status !== 'stale' ? h('div', 'muted', 'since ' + time(s.since)) : null,
    s.stateAge ? h('div', 'warn', s.stateAge) : null
  );
}

/** When a source was last synced, or when an imported cluster's state was last recorded. */
function syncedCell(c) {
  let when = '—';
  if (c.lastSynced) when = time(c.lastSynced) + ' (' + ago(c.secondsSinceSync) + ')';
  else if (c.lastRecorded) when = 'recorded ' + time(c.lastRecorded);
  return h(
    'td',
    null,
    when,
    c.watchRestarts ? h('div', 'muted', c.watchRestarts + ' watch restarts') : null
  );
}

/** Objects by kind as "2 Node, 3 Namespace, 12 Pod, 1 EgressIP". */
function objectCounts(objects) {
  if (!objects) return '—';
  return Object.keys(objects)
    .map((k) => objects[k] + ' ' + k)
    .join(', ');
}

/** GET /readyz as a sentence: ready, or which sources are still syncing. */
function readiness(ready) {
  if (ready.status === 'ready') {
    return (ready.sources || []).length
      ? h('p', 'ready', 'ready: every cluster source has been recorded')
      : h('p', 'ready', 'ready (no cluster source given to this server)');
  }
  const waiting = (ready.sources || []).filter((s) => s.status === 'syncing').map((s) => s.cluster);
  return h(
    'p',
    'not-ready',
    'not ready: answers may be unknown until ' +
      (waiting.length ? list(waiting) + (waiting.length > 1 ? ' are' : ' is') : 'every source is') +
      ' recorded'
  );
}

/** GET /api/v1/clusters as table rows: state, last sync, history coverage. */
function clusterRows(answer) {
  const clusters = answer.clusters || [];
  if (!clusters.length) {
    return [wide('no cluster: import a dump or give serve a source', 'muted')];
  }
  return clusters.map((c) =>
    h(
      'tr',
      c.status === 'stale' ? 'flag' : c.stateAge ? 'warn-row' : null,
      h('td', 'mono', c.cluster),
      h('td', 'mono', c.source || '—'),
      stateCell(c),
      syncedCell(c),
      h(
        'td',
        null,
        c.historyFrom ? 'from ' + time(c.historyFrom) : 'no history',
        c.lastChange ? h('div', 'muted', 'last change ' + time(c.lastChange)) : null
      ),
      h(
        'td',
        null,
        objectCounts(c.objects),
        c.intervals !== undefined ? h('div', 'muted', c.intervals + ' stored states') : null,
        c.egressIPs ? h('div', 'warn', 'EgressIPs ' + c.egressIPs) : null
      )
    )
  );
}

/**
 * GET /api/v1/clusters's lastHit as one line: when the newest hit arrived and how long ago; a hint
 * (not an error) when none has arrived for lastHit.quietAfterSeconds (serve --quiet-after, default
 * an hour): quiet clusters, or
 * a hit listener they cannot reach.
 */
function lastHitLine(answer) {
  const last = answer.lastHit;
  if (!last) return h('p', 'muted', 'no hit recorded yet');
  if (last.quiet) {
    return h(
      'p',
      'warn',
      'no hit received since ' +
        time(last.receivedAt) +
        ' (' +
        ago(last.secondsAgo) +
        '): hint: nothing reached the hit listener for more than ' +
        span(last.quietAfterSeconds) +
        ' (serve --quiet-after); check that the clusters can reach it (firewall, --listen, probe --target)'
    );
  }
  return h('p', 'muted', 'last hit received at ' + time(last.receivedAt) + ' (' + ago(last.secondsAgo) + ')');
}

/** "as of T" of the anomalies of a cluster whose state was last recorded long ago, or null. */
function asOf(answer, cluster) {
  const t = (answer.stateAsOf || {})[cluster];
  return t ? 'as of ' + time(t) : null;
}

/** The objects an anomaly concerns, as one line. */
function anomalyObjects(a) {
  const parts = [];
  if (a.egressIPs && a.egressIPs.length) parts.push('EgressIP ' + list(a.egressIPs));
  if (a.ips && a.ips.length) parts.push('IP ' + list(a.ips));
  if (a.nodes && a.nodes.length) parts.push('node ' + list(a.nodes));
  if (a.namespaces && a.namespaces.length) parts.push('namespace ' + list(a.namespaces));
  if (a.pods && a.pods.length) {
    parts.push(a.pods.length + (a.pods.length > 1 ? ' pods' : ' pod'));
  }
  return parts.join(' · ');
}

/**
 * GET /api/v1/anomalies as table rows: since when each holds is the server's fact (its since field,
 * from the cluster's history), so every operator sees the same time. A cluster whose state was last
 * recorded long ago (stateAsOf) has its anomalies "as of" then, and never a green "none".
 */
function anomalyRows(answer) {
  const anomalies = answer.anomalies || [];
  const rows = anomalies.map((a) =>
    h(
      'tr',
      'flag',
      h('td', 'mono', a.cluster),
      h('td', 'anomaly', a.rule),
      h('td', 'mono', anomalyObjects(a)),
      titled(
        h('td', null, time(a.since), asOf(answer, a.cluster) ? h('div', 'warn', asOf(answer, a.cluster)) : null),
        'when it began, from the history of its cluster'
      ),
      h('td', null, a.message)
    )
  );
  if (!rows.length) {
    rows.push(noAnomalies(answer));
  }
  for (const n of answer.notes || []) {
    rows.push(wide(n, 'muted'));
  }
  return rows;
}

/** "none", or "none as of T (cluster demo)" when a cluster's state is old: not an all clear. */
function noAnomalies(answer) {
  const old = Object.keys(answer.stateAsOf || {});
  if (!old.length) return wide('none', 'ok');
  return wide(
    'none as of ' +
      old.map((c) => time(answer.stateAsOf[c]) + ' (cluster ' + c + ', state last recorded then)').join(', '),
    'warn'
  );
}

/** The anomaly count of the heading: a number, "none", or "none as of T" for an old state. */
function anomalyCount(answer) {
  const n = (answer.anomalies || []).length;
  if (n) return h('span', 'flag-count', String(n));
  const old = Object.values(answer.stateAsOf || {});
  if (old.length) return h('span', 'warn', 'none as of ' + old.map(time).sort()[0]);
  return h('span', 'ok', 'none');
}

/** Who owns the IP, in the words of the hits table of the command line. */
function owner(m) {
  const ns = m.namespaces && m.namespaces.length ? m.namespaces.join(',') : 'no namespace';
  switch (m.kind) {
    case 'egress-ip':
      return ns + ' via EgressIP ' + m.egressIP + ' on ' + m.node;
    case 'egress-ip-unassigned':
      return ns + ' via EgressIP ' + m.egressIP + ' (IP not assigned)';
    case 'node':
      if (!m.namespaces || !m.namespaces.length) return 'host traffic of node ' + m.node;
      return ns + (m.ambiguous ? ' (ambiguous)' : '') + ' via node ' + m.node;
    case 'pod':
      return ns + ' pod ' + (m.pods && m.pods.length ? m.pods[0].name : '');
    default:
      return 'unknown';
  }
}

/** "leak? simpson should leave through egressip-demo", or null when the match suspects none. */
function leakLine(m) {
  if (!m.leakSuspects || !m.leakSuspects.length) return null;
  const via = m.leakEgressIPs && m.leakEgressIPs.length ? m.leakEgressIPs.join(',') : 'an EgressIP';
  return h('div', 'leak', 'leak? ' + m.leakSuspects.join(',') + ' should leave through ' + via);
}

/**
 * "stale: watch down since T: reason" for a live cluster, "stale since T: cannot read FILE: reason"
 * for a --cluster-state file (no watch involved), or null when the cluster's view was not stale
 * then.
 */
function staleLine(m) {
  if (!m.stale) return null;
  const reason = m.stale.reason || '';
  if (reason.startsWith('cannot read ')) {
    return h('div', 'stale', 'stale since ' + time(m.stale.since) + ': ' + reason);
  }
  return h(
    'div',
    'stale',
    'stale: watch down since ' + time(m.stale.since) + (reason ? ': ' + reason : '')
  );
}

/** One match of a hit's attribution: owner, cluster; leak and stale on lines of their own. */
function matchSummary(m) {
  return h(
    'div',
    null,
    titled(h('span', 'kind-' + m.kind, owner(m)), m.note),
    m.cluster ? h('span', 'muted', ' · ' + m.cluster) : null,
    leakLine(m),
    staleLine(m)
  );
}

/** One match of a whois answer, in full: also pods, assigned IPs, anomalies and the note. */
function matchDetail(m) {
  const pods = m.pods || [];
  const count = m.podCount !== undefined ? m.podCount : pods.length;
  return h(
    'li',
    null,
    h('span', 'kind-' + m.kind, m.kind),
    ' ',
    owner(m),
    m.cluster ? ' · cluster ' + m.cluster : null,
    m.since ? ' · since ' + time(m.since) : null,
    m.assignedIPs && m.assignedIPs.length > 1 ? h('div', null, 'assigned IPs ' + list(m.assignedIPs)) : null,
    pods.length
      ? h(
          'div',
          'mono',
          'pods ' +
            pods.map((p) => p.namespace + '/' + p.name).join(', ') +
            (count > pods.length ? ' and ' + (count - pods.length) + ' more' : '')
        )
      : null,
    leakLine(m),
    staleLine(m),
    (m.anomalies || []).map((a) => h('div', 'anomaly', 'anomaly: ' + a.rule + ': ' + a.message)),
    m.note ? h('div', 'note', m.note) : null
  );
}

/** GET /api/v1/whois/{ip} as a heading and a list of matches. */
function whoisView(answer) {
  return [
    h('p', null, answer.ip + ' at ' + time(answer.at) + ':'),
    h('ul', null, (answer.matches || []).map(matchDetail)),
  ];
}

function flagged(hit) {
  const ms = hit.attribution || [];
  if (ms.some((m) => m.leakSuspects && m.leakSuspects.length)) return 'flag';
  if (ms.some((m) => m.stale)) return 'warn-row';
  return null;
}

/** GET /api/v1/hits as table rows. */
function hitRows(answer) {
  const hits = answer.hits || [];
  if (!hits.length) {
    return [wide('no hit matches', 'muted')];
  }
  return hits.map((x) =>
    h(
      'tr',
      flagged(x),
      h('td', null, String(x.id)),
      h('td', 'mono', time(x.receivedAt)),
      h('td', 'mono', x.sourceIp + (x.sourcePort ? ':' + x.sourcePort : '')),
      h('td', null, x.method),
      h('td', 'mono', x.path),
      h('td', 'mono', x.probeId || ''),
      h('td', null, (x.attribution || []).map(matchSummary))
    )
  );
}

/** A tree as plain text (the tests read it): rows and blocks on lines, cells apart. */
function textOf(node) {
  if (typeof node === 'string') return node;
  const inner = node.children.map(textOf).join('');
  if (node.tag === 'td' || node.tag === 'th') return inner + ' | ';
  if (['tr', 'div', 'li', 'p', 'ul'].includes(node.tag)) return inner + '\n';
  return inner;
}

if (typeof module !== 'undefined' && module.exports) {
  module.exports = {
    statePhrase,
    readiness,
    clusterRows,
    lastHitLine,
    anomalyRows,
    anomalyCount,
    owner,
    hitRows,
    whoisView,
    textOf,
  };
}

/* ---------------------------------------------------------------- the page (browser only) */

/** A tree as DOM nodes: elements and text nodes only, no markup parsed. */
function toDom(node) {
  if (typeof node === 'string') return document.createTextNode(node);
  const e = document.createElement(node.tag);
  if (node.cls) e.className = node.cls;
  if (node.title) e.title = node.title;
  if (node.colspan) e.colSpan = node.colspan;
  for (const c of node.children) e.appendChild(toDom(c));
  return e;
}

function show(id, nodes) {
  document.getElementById(id).replaceChildren(...[].concat(nodes).map(toDom));
}

/** Thrown when the server cannot be reached at all (not for an HTTP error status). */
class Unreachable extends Error {}

/**
 * GET of a relative path, JSON back. A problem+json answer throws its detail; a status in `also`
 * (503 for /readyz, which answers a body while syncing) is taken as an answer.
 */
async function api(path, also = []) {
  const token = document.getElementById('token').value;
  let r;
  try {
    r = await fetch(path, {
      headers: token ? { Authorization: 'Bearer ' + token } : {},
      cache: 'no-store',
      signal: AbortSignal.timeout ? AbortSignal.timeout(FETCH_TIMEOUT_MS) : undefined,
    });
  } catch (e) {
    throw new Unreachable('cannot reach the audit server: ' + e.message);
  }
  let body;
  try {
    body = await r.json();
  } catch (e) {
    throw new Error(path + ' answered ' + r.status + ' without JSON');
  }
  if (!r.ok && !also.includes(r.status)) {
    throw new Error(body.detail || body.title || String(r.status));
  }
  return body;
}

function errorRow(err) {
  return wide(err.message, 'error');
}

let lastGood = null;

/**
 * Shows an answer in a section. When the server cannot be reached, the section keeps what it
 * showed (the banner says since when it is not current); any other error replaces it.
 */
function showResult(id, result, render, failed = errorRow) {
  if (result.status === 'fulfilled') show(id, render(result.value));
  else if (!(result.reason instanceof Unreachable)) show(id, failed(result.reason));
}

function settled(promise) {
  return promise.then(
    (value) => ({ status: 'fulfilled', value }),
    (reason) => ({ status: 'rejected', reason })
  );
}

async function refreshStatus() {
  const [ready, clusters, anomalies] = await Promise.all([
    settled(api('readyz', [503])),
    settled(api('api/v1/clusters')),
    settled(api('api/v1/anomalies')),
  ]);
  showResult('readiness', ready, readiness, (e) => h('p', 'error', 'readiness: ' + e.message));
  showResult('clusters-body', clusters, clusterRows);
  showResult('last-hit', clusters, lastHitLine, (e) => h('p', 'error', e.message));
  showResult('anomalies-body', anomalies, anomalyRows);
  if (anomalies.status === 'fulfilled') {
    show('anomaly-count', anomalyCount(anomalies.value));
  }
  return [ready, clusters, anomalies];
}

async function refreshHits() {
  const q = new URLSearchParams({ limit: String(HIT_LIMIT), order: 'desc' });
  // an empty since= is refused by the API: an emptied box means no lower bound
  if (value('since')) q.set('since', value('since'));
  if (value('namespace')) q.set('namespace', value('namespace'));
  if (document.getElementById('leaks').checked) q.set('leaks', 'true');
  const hits = await settled(api('api/v1/hits?' + q));
  showResult('hits-body', hits, hitRows);
  return hits;
}

function value(id) {
  return document.getElementById(id).value.trim();
}

/** Says when the page was last updated, or that the server cannot be reached since when. */
function showUpdated(results) {
  const now = new Date().toISOString();
  const down = results.filter((r) => r.status === 'rejected' && r.reason instanceof Unreachable);
  const offline = down.length > 0 && down.length === results.length;
  document.body.classList.toggle('offline', offline);
  if (offline) {
    show(
      'updated',
      h(
        'span',
        'error',
        'cannot reach the audit server at ' +
          time(now) +
          (lastGood ? '; what is shown is from ' + time(lastGood) : '') +
          '. Retrying every ' +
          POLL_MS / 1000 +
          ' s.'
      )
    );
    return;
  }
  lastGood = now;
  show('updated', h('span', 'muted', 'updated at ' + time(now) + ', every ' + POLL_MS / 1000 + ' s'));
}

async function poll() {
  try {
    const results = await refreshStatus();
    if (document.getElementById('follow').checked) results.push(await refreshHits());
    showUpdated(results);
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

function start() {
  document.getElementById('hits').onsubmit = (e) => {
    e.preventDefault();
    refreshHits();
  };
  document.getElementById('whois').onsubmit = async (e) => {
    e.preventDefault();
    const at = value('at') ? '?at=' + encodeURIComponent(value('at')) : '';
    try {
      show('whois-result', whoisView(await api('api/v1/whois/' + encodeURIComponent(value('ip')) + at)));
    } catch (err) {
      show('whois-result', h('p', 'error', err.message));
    }
  };
  poll();
}

if (typeof document !== 'undefined') {
  document.addEventListener('DOMContentLoaded', start);
}
