'use strict';
/*
 * Runs the web page's script (web/app.js) as a browser would, on a minimal stand-in for the DOM,
 * against a running audit server, and prints what the page shows as JSON, for WebPageIT.
 * Usage: node wiring.js APP_JS API_BASE_URL
 *
 * First the page loads and polls once, and whois is asked about 127.0.0.51; then the server
 * becomes unreachable (fetch fails, as when it is stopped) and the page polls again.
 */
const [appJs, base] = process.argv.slice(2);
const realFetch = globalThis.fetch;
const wait = globalThis.setTimeout;

class Element {
  constructor(tag) {
    this.tag = tag;
    this.children = [];
    this.className = '';
    this.title = '';
    this.value = '';
    this.checked = false;
    this.classes = new Set();
    this.classList = { toggle: (c, on) => (on ? this.classes.add(c) : this.classes.delete(c)) };
  }
  appendChild(c) {
    this.children.push(c);
    return c;
  }
  replaceChildren(...cs) {
    this.children = cs;
  }
  get text() {
    const inner = this.children.map((c) => c.text).join('');
    if (this.tag === 'td' || this.tag === 'th') return inner + ' | ';
    if (['tr', 'div', 'li', 'p', 'ul'].includes(this.tag)) return inner + '\n';
    return inner;
  }
}

const byId = new Map();
const listeners = {};
globalThis.document = {
  body: new Element('body'),
  createElement: (tag) => new Element(tag),
  createTextNode: (s) => ({ text: String(s) }),
  getElementById(id) {
    if (!byId.has(id)) byId.set(id, new Element('div'));
    return byId.get(id);
  },
  addEventListener: (name, fn) => (listeners[name] = fn),
};
const store = new Map();
globalThis.localStorage = {
  getItem: (k) => (store.has(k) ? store.get(k) : null),
  setItem: (k, v) => store.set(k, String(v)),
};
document.getElementById('since').value = '1h';
document.getElementById('follow').checked = true;

let reachable = true;
globalThis.fetch = (path, options) =>
  reachable ? realFetch(base + '/' + path, options) : Promise.reject(new TypeError('fetch failed'));
// the page's next poll is run by hand; every other timer (fetch's own) runs as usual
const timers = [];
globalThis.setTimeout = (fn, ms, ...args) =>
  fn.name === 'poll' ? timers.push(fn) : wait(fn, ms, ...args);

async function until(test, what) {
  for (let i = 0; i < 400; i++) {
    if (test()) return;
    await new Promise((r) => wait(r, 50));
  }
  throw new Error('the page never showed ' + what);
}

function shown() {
  const out = {};
  for (const [id, e] of byId) if (e.children.length) out[id] = e.text;
  out.offline = document.body.classes.has('offline');
  return out;
}

(async () => {
  require(appJs);
  listeners.DOMContentLoaded();
  const updated = () => document.getElementById('updated').text;
  // a poll whose answers did not all come (a slow API on a busy machine) is followed by the next
  const complete = () =>
    updated().startsWith('updated at') &&
    ['readiness', 'clusters-body', 'anomaly-count', 'hits-body'].every(
      (id) => document.getElementById(id).children.length
    );
  await until(() => {
    if (complete()) return true;
    if (timers.length) timers.shift()();
    return false;
  }, 'its first complete update');
  document.getElementById('ip').value = '127.0.0.51';
  document.getElementById('whois').onsubmit({ preventDefault() {} });
  await until(() => document.getElementById('whois-result').children.length, 'the whois answer');
  const loaded = shown();

  reachable = false;
  timers.shift()();
  await until(() => updated().startsWith('cannot reach'), 'the server unreachable');
  process.stdout.write(JSON.stringify({ loaded, unreachable: shown() }));
  process.exit(0);
})().catch((e) => {
  process.stderr.write(String(e.stack || e) + '\n');
  process.exit(1);
});
