// The dashboard's first load (issue 14 "Speed", docs/dashboard.md §6), target under 1 s on loopback, against the
// built `arbiter serve --ui --store fs:DIR` holding 20 claimed lanes:
// 1. over HTTP, as a browser asks for it, a new TCP connection per request: GET /ui, then /ui/app.js and /ui/app.css
//    together, POST /v1/ui-session, GET /v1/status with the cookie. Median and IQR of BENCH_ROUNDS loads.
// 2. in Debian's Chromium through playwright-core (when /usr/bin/chromium exists; the row says so when it does not):
//    a fresh browser context per load (no cache, no cookie), from navigation start until the first snapshot is
//    rendered by the page's own clock (`performance.now()` when it sets `data-ready`), and the same seen from the
//    driver (which adds the DevTools protocol's round trips and Chromium's navigation set-up).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One request on a new connection. @returns status, headers, body length. */
const fetchOnce = (url, { method = 'GET', headers = {} } = {}) =>
  new Promise((res, rej) => {
    const req = request(url, { method, headers, agent: false }, (r) => {
      let n = 0;
      r.on('data', (d) => (n += d.length));
      r.on('end', () => res({ status: r.statusCode, headers: r.headers, bytes: n }));
    });
    req.on('error', rej);
    req.end();
  });

export default async ({ bin, lib, root }) => {
  const rows = [];
  const require = createRequire(import.meta.url);
  const { httpLaneStore } = require(join(root, 'packages/io-node/dist/index.cjs'));
  const tmp = mkdtempSync(join(tmpdir(), 'arbiter-bench-dash-'));
  const env = { ...process.env, ARBITER_STATE_DIR: join(tmp, 'state') };
  delete env.NODE_EXTRA_CA_CERTS;
  const store = `fs:${join(tmp, 'served')}`;
  const token = (m, role) => execFileSync(process.execPath, [bin, 'token', 'create', '--member', m, '--role', role, '--store', store], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  const viewer = token('watcher', 'viewer');
  const member = token('ana@example.com', 'member');
  const srv = await lib.startServe(bin, ['--ui', '--store', store], env);
  try {
    const s = httpLaneStore({ url: srv.url, token: member });
    for (let i = 0; i < 20; i++) {
      const r = await s.claim(`deploy:bench-${i}`, { handle: 'x', session: `bench-${i}`, instance: i.toString(16).padStart(32, '0'), host: 'bench' }, { intent: 'deploy', eta_minutes: 30 })();
      if (r._tag !== 'Right' || r.right._tag !== 'Granted') throw new Error(`claim failed: ${JSON.stringify(r)}`);
    }
    const rounds = Math.max(10, Number(process.env.BENCH_ROUNDS ?? 40));
    const load = async () => {
      const t0 = performance.now();
      const page = await fetchOnce(`${srv.url}/ui`);
      const [js, css] = await Promise.all([fetchOnce(`${srv.url}/ui/app.js`), fetchOnce(`${srv.url}/ui/app.css`)]);
      const session = await fetchOnce(`${srv.url}/v1/ui-session`, { method: 'POST', headers: { authorization: `Bearer ${viewer}` } });
      const cookie = String(session.headers['set-cookie']?.[0] ?? '').split(';')[0];
      const status = await fetchOnce(`${srv.url}/v1/status`, { headers: { cookie } });
      const ms = performance.now() - t0;
      if ([page, js, css, session, status].some((r) => r.status !== 200)) throw new Error(`first load failed: ${[page, js, css, session, status].map((r) => r.status)}`);
      return ms;
    };
    for (let i = 0; i < 3; i++) await load(); // warm-up
    const http = [];
    for (let i = 0; i < rounds; i++) http.push(await load());
    const st = lib.stats(http);
    rows.push({ name: 'dashboard first load over HTTP (page, script, style, cookie session, first snapshot; new connections; 20 lanes)', value: st.median, unit: 'ms median', spread: `${lib.fmt(st.p25)}–${lib.fmt(st.p75)} ms`, target: '< 1000 ms' });

    const chromiumPath = process.env.ARBITER_CHROMIUM ?? '/usr/bin/chromium';
    if (!existsSync(chromiumPath)) {
      rows.push({ name: `dashboard first load in Chromium: not measured (no ${chromiumPath}; apt-get install chromium)`, value: NaN, unit: 'ms' });
    } else {
      const { chromium } = require('playwright-core');
      const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'], headless: true });
      try {
        const inBrowser = [];
        const inPage = [];
        const n = Math.max(5, Math.floor(rounds / 2));
        for (let i = 0; i < n + 2; i++) {
          const ctx = await browser.newContext();
          const page = await ctx.newPage();
          const t0 = performance.now();
          await page.goto(`${srv.url}/ui?token=${viewer}`);
          await page.waitForFunction(() => globalThis.document.body.dataset.ready === '1', undefined, { timeout: 10_000 });
          if (i >= 2) inBrowser.push(performance.now() - t0);
          if (i >= 2) inPage.push(Number(await page.evaluate(() => globalThis.document.body.dataset.readyMs)));
          await ctx.close();
        }
        const p = lib.stats(inPage);
        rows.push({ name: "dashboard first load in Chromium, the page's clock (navigation start to first snapshot rendered; fresh context; 20 lanes)", value: p.median, unit: 'ms median', spread: `${lib.fmt(p.p25)}–${lib.fmt(p.p75)} ms`, target: '< 1000 ms' });
        const b = lib.stats(inBrowser);
        rows.push({ name: 'dashboard first load in Chromium, the driver\'s clock (goto to first snapshot seen over CDP)', value: b.median, unit: 'ms median', spread: `${lib.fmt(b.p25)}–${lib.fmt(b.p75)} ms` });
      } finally {
        await browser.close();
      }
    }
  } finally {
    srv.child.kill('SIGKILL');
  }
  return rows;
};
