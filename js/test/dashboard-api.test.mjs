// The dashboard's hosts over HTTP, on real redis-servers: the JSON API of the Node host
// (redset/dashboard) on ioredis and node-redis clients and of the Rust host (`redset
// dashboard`), finding sets by their companion keys, guessing kinds, who may change
// what (token, Origin), typed refusals of bad requests and failures, the page's files —
// the same expectations for both hosts — and, of the Node host only, the application's
// own auth, its options, mounting under node:http, Express and Fastify, and the
// installed tarball.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { ScheduledSet, SortedSet } from '../../pkg/index.mjs';
import { knownStates } from './dashboard-fixture.mjs';
import { startRustDashboard } from './dashboard-rust-host.mjs';
import { CLIENTS, startCluster, startRedis } from './helpers.mjs';

const require = createRequire(import.meta.url);
const { dashboard } = require('../../pkg/dashboard/index.js');
const TOKEN = 'api-test-token-0123456789';

/** Serves `handler` (or a dashboard with `options`) on loopback: `{ base, origin, logs, get, post, close }`. */
async function serve(options, { prefix = '', app } = {}) {
  const logs = [];
  const handler = dashboard({ logger: (message) => logs.push(message), ...options, prefix });
  const server = http.createServer(app ? app(handler) : handler);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const base = `${origin}${prefix}/`;
  return {
    base,
    origin,
    logs,
    ...callers(base, origin),
    async close() {
      handler.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The Rust host with the Node host's options that it has (the server's `url` for `client`), as `serve` gives it. */
async function serveRust({ url, sets, discover, token, origins, refreshMs, discoverMs, historyStepMs, historyMs }) {
  const host = await startRustDashboard({ url, sets, discover, token, origins, refreshMs, rescanMs: discoverMs, historyStepMs, historyMs });
  return {
    base: host.base,
    origin: host.origin,
    get logs() {
      return host.logs();
    },
    ...callers(host.base, host.origin),
    close: host.stop,
  };
}

/** Both hosts, each given the Node host's options with `client` and the server's `url`, for the expectations they share. */
const HOSTS = [
  { name: 'Node host', serve: ({ url, ...options }) => serve(options) },
  { name: 'Rust host', serve: ({ client, ...options }) => serveRust(options) },
];

/** `get(path)` and `post(path, body)` (from the host's origin, with the token unless other headers are given) under `base`. */
function callers(base, origin) {
  const call = async (path, init = {}) => {
    const res = await fetch(new URL(path, base), { redirect: 'manual', ...init });
    const text = await res.text();
    let body = text;
    try {
      body = JSON.parse(text);
    } catch { /* a page, or nothing */ }
    return { status: res.status, headers: res.headers, body };
  };
  return {
    get: (path, headers = {}) => call(path, { headers }),
    post: (path, body = {}, headers = { 'x-redset-token': TOKEN }) => call(path, {
      method: 'POST',
      headers: { origin, 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  };
}

/** A POST with exactly these headers (fetch() adds some of its own and drops others). */
function rawPost(url, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk) => { body += chunk; }).on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject).end('{}');
  });
}

const figuresOf = (overview, name) => {
  const set = overview.sets.find((s) => s.name === name);
  assert.ok(set, `${name} is not listed: ${JSON.stringify(overview.sets.map((s) => s.name))}`);
  const { waiting, due, inFlight, dead } = set.stats;
  return { kind: set.kind, waiting, due, inFlight, dead };
};

/** The API on sets in known states (made over `connect`'s client), served by `serveHost`. */
function onKnownStates(title, connect, serveHost) {
  describe(title, () => {
    let redis;
    let conn;
    let sets;
    let host;
    before(async () => {
      redis = await startRedis();
      conn = await connect(redis.socket);
      sets = await knownStates(conn.client);
      host = await serveHost({ client: conn.client, url: redis.url, discover: true, token: TOKEN });
    });
    after(async () => {
      await host.close();
      await conn.close();
      await redis.stop();
    });

    test('lists the sets it finds, with their figures and guessed kinds', async () => {
      const { status, body } = await host.get('api/sets');
      assert.equal(status, 200);
      assert.equal(body.writes, 'token');
      assert.equal(body.refreshMs, 2000);
      for (const [set, expected] of Object.entries(sets.expected)) assert.deepEqual(figuresOf(body, set), expected);
      const retries = body.sets.find((s) => s.name === 'retries');
      assert.equal(retries.kindGuessed, true);
      // retries counts server-side; jobs does not.
      assert.deepEqual(retries.stats.counters, { added: 6, claimed: 1, acked: 0, retried: 0, released: 0, dead: 0, recovered: 0, requeued: 0 });
      assert.equal(body.sets.find((s) => s.name === 'jobs').stats.counters, null);
      assert.ok(retries.stats.oldestDueAgeMs >= 60000 && retries.stats.oldestDueAgeMs < 120000, retries.stats.oldestDueAgeMs);
      assert.equal(retries.error, null);
      // Neither is paused or held by a handler's rate limit.
      for (const set of body.sets) assert.deepEqual([set.stats.paused, set.stats.heldForMs], [false, null], set.name);
    });

    test('lists next items, leases and dead letters, searchable', async () => {
      const items = await host.get('api/sets/retries/items?count=5');
      assert.deepEqual(items.body.items.map((i) => i.item), ['retry-b', 'retry-c']);
      const leases = (await host.get('api/sets/jobs/in-flight')).body.leases;
      assert.deepEqual(leases.map((l) => [l.item, l.deliveries, l.timeLeftMs === 0]), [['job-4', 1, true], ['job-1', 1, false]]);
      assert.ok(leases[1].timeLeftMs > 50000 && leases[1].deadline > Date.now() + 50000);
      assert.equal(typeof leases[0].token, 'number');
      const dead = (await host.get(`api/sets/jobs/dead?q=${encodeURIComponent('TIMED out')}`)).body;
      assert.equal(dead.total, 2);
      assert.equal(dead.matched, 1);
      assert.deepEqual(dead.letters.map((l) => [l.item, l.reason, l.deliveries, Buffer.from(l.id, 'base64').toString()]),
        [['job-3', 'timed out after 30 s', 1, 'job-3']]);
      const history = (await host.get('api/sets/jobs/history')).body;
      assert.equal(history.stepMs, 10000);
      assert.equal(history.spanMs, 3600000);
      assert.deepEqual(history.series.map((s) => [s.name, s.unit]),
        [['waiting', 'items'], ['due', 'items'], ['inFlight', 'items'], ['dead', 'items'], ['in', 'items/s'], ['out', 'items/s']]);
      assert.equal(history.t.length, 1);
      assert.deepEqual(history.series.map((s) => s.values), [[3], [3], [2], [2], [null], [null]]);
    });

    test('requeues some and all dead letters, purges, recovers; each logged and reported', async () => {
      const ids = (await host.get('api/sets/jobs/dead')).body.letters.map((l) => l.id);
      const gone = Buffer.from('never-dead').toString('base64');
      const some = await host.post('api/sets/jobs/requeue', { ids: [ids[0], gone] });
      assert.deepEqual(some.body, { requeued: 1, notFound: 1 });
      assert.equal(await sets.jobs.score('job-2'), 2);
      assert.deepEqual((await host.get('api/sets')).body.sets.find((s) => s.name === 'jobs').stats.dead, 1);
      assert.deepEqual((await host.post('api/sets/jobs/requeue', { all: true })).body, { requeued: 1, notFound: 0 });
      assert.deepEqual(await sets.jobs.deadLetters(), []);
      assert.deepEqual((await host.post('api/sets/jobs/purge')).body, { purged: 0 });
      // jobs's consumers claim allowing one delivery (each claim keeps it with the set):
      // the expired job-4 goes to the dead letters, not back to the set.
      assert.deepEqual((await host.post('api/sets/jobs/recover')).body, { requeued: 0, dead: 1 });
      assert.equal(await sets.jobs.score('job-4'), null);
      assert.deepEqual((await sets.jobs.deadLetters()).map((l) => [l.item, l.reason]), [['job-4', 'lease expired after 1 deliveries']]);
      assert.deepEqual(host.logs, [
        'redset dashboard: requeued 1 dead letter of "jobs" (1 no longer dead)',
        'redset dashboard: requeued 1 dead letter of "jobs"',
        'redset dashboard: purged 0 dead letters of "jobs"',
        'redset dashboard: recovered the expired leases of "jobs": 0 requeued, 1 to the dead letters',
      ]);
    });

    test('pauses and resumes, each logged and reported, and the figures say so', async () => {
      const paused = async () => (await host.get('api/sets')).body.sets.find((s) => s.name === 'jobs').stats.paused;
      assert.deepEqual((await host.post('api/sets/jobs/pause')).body, { paused: true, changed: true });
      assert.equal(await sets.jobs.isPaused(), true);
      assert.equal(await paused(), true);
      assert.deepEqual(await sets.jobs.claim(1, 60000), [], 'a paused set hands out nothing');
      assert.deepEqual((await host.post('api/sets/jobs/pause')).body, { paused: true, changed: false });
      assert.deepEqual((await host.post('api/sets/jobs/resume')).body, { paused: false, changed: true });
      assert.equal(await sets.jobs.isPaused(), false);
      assert.equal(await paused(), false);
      assert.deepEqual((await host.post('api/sets/jobs/resume')).body, { paused: false, changed: false });
      assert.deepEqual(host.logs.slice(-4), [
        'redset dashboard: paused "jobs"',
        'redset dashboard: paused "jobs" (it was paused already)',
        'redset dashboard: resumed "jobs"',
        'redset dashboard: resumed "jobs" (it was not paused)',
      ]);
    });
  });
}

// The clients the Node host may be given: the two families, both protocols.
for (const { name, connect } of CLIENTS.filter((c) => ['ioredis 6 (RESP3)', 'node-redis 6 (RESP3)', 'node-redis 4 (RESP2)'].includes(c.name))) {
  onKnownStates(`the Node host over ${name}`, connect, HOSTS[0].serve);
}
onKnownStates('the Rust host', CLIENTS[0].connect, HOSTS[1].serve);

// Each describe below has a redis-server of its own, and an ioredis client of it.
let redis;
let client;
function freshRedis(setup = async () => {}) {
  before(async () => {
    redis = await startRedis();
    client = new (require('ioredis'))({ path: redis.socket });
    await setup();
  });
  after(async () => {
    client.disconnect();
    await redis.stop();
  });
}

/** `jobs`, whose consumers give up after one delivery, with one dead letter. */
async function oneDeadLetter(reason = 'failed') {
  const jobs = new SortedSet(client, 'jobs', { maxDeliveries: 1 });
  if ((await jobs.len()) === 0) await jobs.add('a', 1);
  await jobs.retry((await jobs.claim(1, 60000))[0], { reason });
  return jobs;
}

for (const { name: hostName, serve: serveHost } of HOSTS) {
  describe(`finding sets (${hostName})`, () => {
    freshRedis();

    test('by the companion keys of any name, and no key of another type', async () => {
      // Names with a hash tag, with a "}" and no tag, empty, with a "{" only: each keeps
      // its companions by the core's rule; their only item is in flight, so the set's own
      // key is gone and only the companions tell of it.
      const names = ['{tenant-1}jobs', 'a}b', '', '{x'];
      for (const name of names) {
        const set = new SortedSet(client, name);
        await set.add('item', 1);
        await set.claim(1, 60000);
      }
      // `plain` ({plain}:leases) and `{plain}` ({plain}.leases) are told apart.
      for (const name of ['plain', '{plain}']) {
        const set = new SortedSet(client, name);
        await set.add('a');
        await set.claim(1, 60000);
      }
      await client.set('lookalike', 'a string');
      await client.set('{lookalike}:dead', 'not a redset key');
      await new SortedSet(client, 'counts', { metrics: true }).add('x'); // {counts}:counters
      await client.zadd('no-companions', 1, 'x'); // used only with pop: not found, so named
      const host = await serveHost({ client, url: redis.url, discover: true, sets: ['no-companions'] });
      try {
        const listed = (await host.get('api/sets')).body.sets;
        assert.equal(listed[0].name, 'no-companions', 'the sets given come first');
        assert.deepEqual(listed.map((s) => s.name).sort(), ['no-companions', ...names, 'plain', '{plain}', 'counts'].sort());
        for (const set of listed) assert.equal(set.error, null, set.name);
        for (const set of listed.filter((s) => s.name !== 'no-companions' && s.name !== 'counts')) {
          assert.deepEqual([set.stats.waiting, set.stats.inFlight], [0, 1], set.name);
        }
      } finally {
        await host.close();
      }
    });

    test("by flow control's keys alone: a paused set, a grouped set; with each group's figures", async () => {
      // `paused-only` has nothing but {paused-only}:flow; `tenants` its items and the
      // group keys (group-index, group-of, groups-ready).
      await new SortedSet(client, 'paused-only').pause();
      const tenants = new SortedSet(client, 'tenants', { groups: true, maxDeliveries: 1 });
      for (const [group, item] of [['acme', 'a1'], ['acme', 'a2'], ['zeta', 'z1']]) await tenants.addToGroup(group, item);
      const host = await serveHost({ client, url: redis.url, discover: true });
      try {
        const listed = (await host.get('api/sets')).body.sets;
        const found = Object.fromEntries(listed.map((s) => [s.name, s.stats]));
        assert.ok('paused-only' in found && 'tenants' in found, JSON.stringify(Object.keys(found)));
        assert.equal(found['paused-only'].paused, true);
        assert.equal(found.tenants.waiting, 3);
        const [claimed] = await tenants.claim(1, 60000);
        const byGroup = async () => (await host.get('api/sets/tenants/groups')).body.groups;
        const want = async () => Promise.all(['acme', 'zeta'].map((g) => tenants.groupStats(g)));
        await until('the claim read in the groups', async () => (await byGroup()).some((g) => g.inFlight === 1));
        assert.deepEqual(await byGroup(), await want());
        assert.ok(['a1', 'z1'].includes(claimed.item));
        assert.deepEqual((await host.get('api/sets/tenants/groups?limit=1')).body.groups.length, 1);
        assert.deepEqual((await host.get('api/sets/paused-only/groups')).body, { groups: [] });
        assert.equal((await host.get('api/sets/tenants/groups?limit=0')).status, 400);
      } finally {
        await host.close();
      }
    });

    test('guesses scheduled from UNIX-time scores, sorted otherwise, and an empty set later', async () => {
      const soon = new ScheduledSet(client, 'later-guessed');
      await soon.claim(1, 1000); // companions, no items yet
      await client.zadd('time-scored', Date.now() / 1000 - 5, 'due', Date.now() / 1000 + 3600, 'not-due');
      await client.zadd('priorities', 1, 'a', 2, 'b');
      const host = await serveHost({ client, url: redis.url, sets: ['time-scored', 'priorities', { name: 'told', kind: 'time' }, 'later-guessed'], discoverMs: 100, refreshMs: 100 });
      try {
        const kinds = async () => Object.fromEntries((await host.get('api/sets')).body.sets.map((s) => [s.name, [s.kind, s.kindGuessed, s.stats?.due]]));
        assert.deepEqual(await kinds(), {
          'time-scored': ['scheduled', true, 1],
          priorities: ['sorted', true, 2],
          told: ['time', false, 0],
          'later-guessed': ['sorted', true, 0],
        });
        await soon.add('x', Date.now() / 1000 + 60);
        await until('a guess again once the set has items', async () => (await kinds())['later-guessed'][0] === 'scheduled');
        assert.deepEqual((await kinds())['later-guessed'], ['scheduled', true, 0]);
      } finally {
        await host.close();
      }
    });
  });
}
/** Polls `ready()` every 50 ms for up to 10 s; fails saying what it waited for. */
async function until(what, ready) {
  for (let i = 0; i < 200; i++) {
    if (await ready()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`not within 10 s: ${what}`);
}

describe('finding sets on a Redis Cluster, every master scanned', () => {
  let cluster;
  before(async () => { cluster = await startCluster(); });
  after(() => cluster.stop());
  const clusterClients = {
    'ioredis 6 Cluster': async () => {
      const client = new (require('ioredis').Cluster)(cluster.nodes);
      await new Promise((resolve, reject) => client.once('ready', resolve).once('error', reject));
      return { client, close: () => client.disconnect() };
    },
    'node-redis 6 createCluster': async () => {
      const client = require('redis').createCluster({ rootNodes: cluster.nodes.map(({ host, port }) => ({ url: `redis://${host}:${port}` })) });
      client.on('error', () => {});
      await client.connect();
      return { client, close: () => client.destroy() };
    },
  };
  for (const [name, connect] of Object.entries(clusterClients)) {
    test(name, async () => {
      const { client: clustered, close } = await connect();
      // Ten names hash to slots all over the three masters' thirds.
      const names = Array.from({ length: 10 }, (_, i) => `${name}:set-${i}`);
      for (const set of names) {
        const jobs = new SortedSet(clustered, set);
        await jobs.addMany(['a', 'b']);
        await jobs.claim(1, 60000);
      }
      const host = await serve({ client: clustered, discover: true });
      try {
        const listed = (await host.get('api/sets')).body.sets.filter((s) => s.name.startsWith(name));
        assert.deepEqual(listed.map((s) => s.name).sort(), names.sort());
        for (const set of listed) assert.deepEqual([set.stats.waiting, set.stats.inFlight, set.error], [1, 1, null]);
      } finally {
        await host.close();
        await close();
      }
    });
  }
});

for (const { name: hostName, serve: serveHost } of HOSTS) {
  describe(`items in and out, from the server-side counters (${hostName})`, () => {
    freshRedis();

    test("the history's in and out per second add up to what entered and left the set", async () => {
      const counted = new SortedSet(client, 'counted', { metrics: true });
      await counted.add('first', 0); // its counters exist before the first point
      const host = await serveHost({ client, url: redis.url, sets: ['counted'], refreshMs: 100, historyStepMs: 100 });
      try {
        const history = async () => (await host.get('api/sets/counted/history')).body;
        await until('a first point', async () => (await history()).t.length > 0);
        for (let i = 1; i <= 7; i++) await counted.add(`item-${i}`, i);
        const leases = await counted.claim(3, 60000);
        await counted.release(leases[0]);
        const done = Date.now();
        await until('a point after the changes', async () => (await history()).t.at(-1) > done);
        const { t, series } = await history();
        const values = Object.fromEntries(series.map((s) => [s.name, s.values]));
        assert.equal(values.in[0], null);
        const total = (name) => t.slice(1).reduce((sum, at, i) => sum + values[name][i + 1] * ((at - t[i]) / 1000), 0);
        assert.equal(Math.round(total('in') * 1e6) / 1e6, 8); // 7 added, 1 released
        assert.equal(Math.round(total('out') * 1e6) / 1e6, 3); // claimed
        const { flow, stats } = (await host.get('api/sets')).body.sets[0];
        assert.equal(stats.counters.added, 8);
        assert.ok(flow.inPerSec >= 0 && flow.outPerSec >= 0, JSON.stringify(flow));
      } finally {
        await host.close();
      }
    });
  });
}

for (const { name: hostName, serve: serveHost } of HOSTS) {
  describe(`who may change what (${hostName})`, () => {
    let jobs;
    freshRedis(async () => {
      jobs = await oneDeadLetter();
    });
    const stillDead = async () => assert.equal((await jobs.stats()).dead, 1);

    test('read-only by default: every write refused, nothing changed', async () => {
      const host = await serveHost({ client, url: redis.url, sets: ['jobs'] });
      try {
        assert.equal((await host.get('api/sets')).body.writes, 'off');
        for (const route of ['api/sets/jobs/purge', 'api/sets/jobs/recover', 'api/sets/jobs/pause', 'api/sets/jobs/resume', 'api/session']) {
          const { status, body } = await host.post(route);
          assert.equal(status, 403);
          assert.equal(body.error.code, 'read-only');
        }
        await stillDead();
        assert.equal(await new SortedSet(client, 'jobs').isPaused(), false);
      } finally {
        await host.close();
      }
    });

    test('with a token: only same-origin POSTs that carry it', async () => {
      const host = await serveHost({ client, url: redis.url, sets: ['jobs'], token: TOKEN, origins: ['https://ops.example.com'] });
      try {
        const refusals = [
          [{}, 401, 'unauthorized'],
          [{ 'x-redset-token': 'wrong-token-of-some-length' }, 401, 'unauthorized'],
          [{ 'x-redset-token': TOKEN, origin: 'https://attacker.example' }, 403, 'forbidden-origin'],
          [{ 'x-redset-token': TOKEN, origin: 'null' }, 403, 'forbidden-origin'],
        ];
        for (const route of ['api/sets/jobs/purge', 'api/sets/jobs/pause']) {
          for (const [headers, status, code] of refusals) {
            const res = await host.post(route, {}, headers);
            assert.deepEqual([res.status, res.body.error?.code], [status, code], `${route} ${JSON.stringify(headers)}`);
          }
        }
        assert.equal(await new SortedSet(client, 'jobs').isPaused(), false);
        // Fetch metadata without an Origin (fetch() here would not send Sec-Fetch-Site).
        const crossSite = await rawPost(new URL('api/sets/jobs/purge', host.base), { 'x-redset-token': TOKEN, 'sec-fetch-site': 'cross-site' });
        assert.deepEqual([crossSite.status, JSON.parse(crossSite.body).error.code], [403, 'forbidden-origin']);
        // A form post (no custom header, a simple content type): refused for its origin
        // when cross-site, and for want of the header even from the page's own origin.
        const formPost = (origin) => fetch(new URL('api/sets/jobs/purge', host.base), {
          method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin }, body: 'x=1',
        });
        assert.equal((await formPost('https://attacker.example')).status, 403);
        assert.equal((await formPost(host.origin)).status, 401);
        await stillDead();
        assert.deepEqual(host.logs, []);
        // The token checks out; an allowed proxy origin and a client without Origin (curl) may write.
        assert.deepEqual((await host.post('api/session')).body, { writes: 'token' });
        assert.equal((await host.post('api/sets/jobs/recover', {}, { 'x-redset-token': TOKEN, origin: 'https://ops.example.com' })).status, 200);
        assert.equal((await rawPost(new URL('api/sets/jobs/recover', host.base), { 'x-redset-token': TOKEN })).status, 200);
        await stillDead();
      } finally {
        await host.close();
      }
    });
  });
}

describe("who may change what: the Node host's own options", () => {
  let jobs;
  freshRedis(async () => {
    jobs = await oneDeadLetter();
  });
  const stillDead = async () => assert.equal((await jobs.stats()).dead, 1);

  test("the application's own auth: writes allowed, still with the header and from its origin", async () => {
    const host = await serve({ client, sets: ['jobs'], authenticated: true });
    try {
      assert.equal((await host.get('api/sets')).body.writes, 'app');
      assert.equal((await host.post('api/sets/jobs/purge', {}, {})).status, 401);
      assert.equal((await host.post('api/sets/jobs/purge', {}, { 'x-redset-token': '1', origin: 'https://attacker.example' })).status, 403);
      await stillDead();
      assert.deepEqual((await host.post('api/sets/jobs/requeue', { all: true }, { 'x-redset-token': 'same-origin' })).body, { requeued: 1, notFound: 0 });
      assert.deepEqual(host.logs, ['redset dashboard: requeued 1 dead letter of "jobs"']);
    } finally {
      await host.close();
    }
  });

  test('refuses a short token and other bad options with a typed error', () => {
    assert.throws(() => dashboard({ client, sets: ['jobs'], token: 'short' }), RangeError);
    assert.throws(() => dashboard({ sets: ['jobs'] }), TypeError);
    assert.throws(() => dashboard({ client }), /discover/);
    assert.throws(() => dashboard({ client, sets: [{ name: 'x', kind: 'fifo' }] }), TypeError);
    assert.throws(() => dashboard({ client, sets: ['x', 'x'] }), /twice/);
    assert.throws(() => dashboard({ client, sets: ['x'], prefix: 'no-slash' }), TypeError);
    assert.throws(() => dashboard({ client, sets: ['x'], refreshMs: 0 }), RangeError);
  });
});

for (const { name: hostName, serve: serveHost } of HOSTS) {
  describe(`bad requests and failures (${hostName})`, () => {
    let host;
    freshRedis(async () => {
      await client.set('a-string', 'not a sorted set');
      await new SortedSet(client, 'jobs').add('a', 1);
      host = await serveHost({ client, url: redis.url, sets: ['jobs', 'a-string'], token: TOKEN });
    });
    after(() => host.close());

    test('answer with a typed JSON error, never a crash', async () => {
      const cases = [
        [host.get('api/sets/nope/items'), 404, 'not-found'],
        [host.get('api/sets/%E0%A4%A/items'), 400, 'bad-request'],
        [host.get('api/sets/jobs/items?count=0'), 400, 'bad-request'],
        [host.get('api/sets/jobs/dead?limit=x'), 400, 'bad-request'],
        [host.get('api/sets/jobs/whatever'), 404, 'not-found'],
        [host.get('api/nothing'), 404, 'not-found'],
        [host.get('secrets.txt'), 404, 'not-found'],
        [host.post('api/sets'), 405, 'method-not-allowed'],
        [host.get('api/sets/jobs/purge'), 405, 'method-not-allowed'],
        [host.post('api/sets/jobs/requeue', '{"all": tru'), 400, 'bad-request'],
        [host.post('api/sets/jobs/requeue', '[1]'), 400, 'bad-request'],
        [host.post('api/sets/jobs/requeue', {}), 400, 'bad-request'],
        [host.post('api/sets/jobs/requeue', { all: true, ids: ['x'] }), 400, 'bad-request'],
        [host.post('api/sets/jobs/requeue', { ids: [1] }), 400, 'bad-request'],
        [host.post('api/sets/jobs/requeue', { ids: [] }), 400, 'bad-request'],
        [host.post('api/sets/jobs/purge', 'x'.repeat(2 << 20)), 413, 'too-large'],
        [host.get('api/sets/a-string/items'), 502, 'redis'],
      ];
      for (const [pending, status, code] of cases) {
        const res = await pending;
        assert.deepEqual([res.status, res.body?.error?.code], [status, code], JSON.stringify(res.body).slice(0, 200));
        assert.equal(typeof res.body.error.message, 'string');
      }
      // The set of the wrong type shows its error; the other set is unaffected.
      const overview = (await host.get('api/sets')).body;
      const wrong = overview.sets.find((s) => s.name === 'a-string');
      assert.equal(wrong.stats, null);
      assert.equal(wrong.error.code, 'ReplyError');
      assert.match(wrong.error.message, /WRONGTYPE/);
      assert.equal(overview.sets.find((s) => s.name === 'jobs').stats.waiting, 1);
    });

    test('a lost connection is a 502 and the figures stay with the error', async () => {
      const lost = await startRedis();
      const doomed = new (require('ioredis'))({ path: lost.socket, maxRetriesPerRequest: 0, retryStrategy: () => null });
      doomed.on('error', () => {});
      await new SortedSet(doomed, 'jobs').add('a', 1);
      const failing = await serveHost({ client: doomed, url: lost.url, sets: ['jobs'], refreshMs: 100 });
      try {
        assert.equal((await failing.get('api/sets')).body.sets[0].stats.waiting, 1);
        await lost.stop();
        const listed = async () => (await failing.get('api/sets')).body.sets[0];
        await until('the failed read reported', async () => (await listed()).error !== null);
        const { error, stats } = await listed();
        assert.equal(error.code, 'ConnectionError');
        assert.equal(stats.waiting, 1);
        const res = await failing.get('api/sets/jobs/items');
        assert.deepEqual([res.status, res.body.error.code], [502, 'redis']);
      } finally {
        await failing.close();
        doomed.disconnect();
      }
    });

    test('the page and its files, with a CSP and no caching of the API', async () => {
      const page = await host.get('');
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type'), /^text\/html/);
      assert.match(page.headers.get('content-security-policy'), /script-src 'self'/);
      assert.match(page.body, /<script type="module" src="app.js">/);
      for (const file of ['app.js', 'api.js', 'chart.js', 'render.js']) {
        assert.match((await host.get(file)).headers.get('content-type'), /^text\/javascript/);
      }
      assert.equal((await host.get('app.css')).headers.get('content-type'), 'text/css; charset=utf-8');
      assert.equal((await host.get('api/sets')).headers.get('cache-control'), 'no-store');
    });
  });
}

describe('mounting', () => {
  freshRedis(() => oneDeadLetter());

  /** Serves `app` (made of the dashboard's handler) and checks the page, a read and a write under /ops/redset/. */
  async function checkMounted(app, options = {}) {
    const host = await serve({ client, sets: ['jobs'], token: TOKEN, ...options.dashboard }, { prefix: options.prefix, app });
    const root = host.origin + '/ops/redset';
    try {
      const redirect = await fetch(root, { redirect: 'manual' });
      assert.equal(redirect.status, 308);
      assert.equal(redirect.headers.get('location'), '/ops/redset/');
      const page = await fetch(`${root}/`);
      assert.match(await page.text(), /<title>redset dashboard<\/title>/);
      const sets = await (await fetch(`${root}/api/sets`)).json();
      assert.equal(sets.sets[0].stats.dead, 1);
      const requeue = await fetch(`${root}/api/sets/jobs/requeue`, {
        method: 'POST',
        headers: { origin: host.origin, 'content-type': 'application/json', 'x-redset-token': TOKEN },
        body: JSON.stringify({ all: true }),
      });
      assert.deepEqual(await requeue.json(), { requeued: 1, notFound: 0 });
      return host;
    } finally {
      await host.close();
      await oneDeadLetter('failed again');
    }
  }

  test('node:http with a prefix; other paths go to next', async () => {
    await checkMounted(null, { prefix: '/ops/redset' });
    let passed = null;
    const host = await serve({ client, sets: ['jobs'] }, {
      prefix: '/ops/redset',
      app: (handler) => (req, res) => handler(req, res, () => { passed = req.url; res.end('the app'); }),
    });
    try {
      assert.equal((await host.get(`${host.origin}/elsewhere`)).body, 'the app');
      assert.equal(passed, '/elsewhere');
    } finally {
      await host.close();
    }
  });

  test('Express, with and without a JSON body parser before it', async () => {
    const express = require('express');
    await checkMounted((handler) => express().use('/ops/redset', handler));
    await checkMounted((handler) => express().use(express.json()).use('/ops/redset', handler));
  });

  test('Fastify through @fastify/middie', async () => {
    const Fastify = require('fastify');
    const fastify = Fastify();
    await fastify.register(require('@fastify/middie'));
    let mounted;
    const app = (handler) => {
      fastify.use('/ops/redset', handler);
      mounted = fastify.ready();
      return (req, res) => mounted.then(() => fastify.routing(req, res));
    };
    try {
      await checkMounted(app);
    } finally {
      await fastify.close();
    }
  });
});

test('require and import redset/dashboard from the installed tarball, with typings', async () => {
  const run = promisify(execFile);
  const pkgDir = fileURLToPath(new URL('../../pkg/', import.meta.url));
  const tarball = readdirSync(pkgDir).find((f) => f.endsWith('.tgz'));
  assert.ok(tarball, 'pkg/*.tgz is missing: ./run build');
  const project = mkdtempSync(join(tmpdir(), 'redset-dashboard-'));
  try {
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    await run('npm', ['install', '--no-audit', '--no-fund', '--offline', join(pkgDir, tarball)], { cwd: project });
    writeFileSync(join(project, 'serve.mjs'), `
      import http from 'node:http';
      import { dashboard } from 'redset/dashboard';
      import { createRequire } from 'node:module';
      const cjs = createRequire(import.meta.url)('redset/dashboard');
      const handler = dashboard({ client: async (args) => (args[0] === 'EVALSHA' ? [0, 0, 0, 0, null, Date.now()] : null), sets: ['jobs'] });
      const server = http.createServer(handler).listen(0, '127.0.0.1', async () => {
        const base = 'http://127.0.0.1:' + server.address().port + '/';
        const page = await (await fetch(base)).text();
        const app = await fetch(base + 'app.js');
        console.log(cjs.dashboard === dashboard, page.includes('redset dashboard'), app.status);
        handler.close();
        server.close();
      });`);
    const { stdout } = await run('node', ['serve.mjs'], { cwd: project });
    assert.equal(stdout.trim(), 'true true 200');

    writeFileSync(join(project, 'usage.ts'), `
      import { SortedSet, type Execute } from 'redset';
      import { dashboard, type DashboardHandler } from 'redset/dashboard';
      const execute: Execute = async () => null;
      export const handler: DashboardHandler = dashboard({
        client: execute,
        sets: [new SortedSet(execute, 'jobs'), 'retries', { name: 'later', kind: 'scheduled' }],
        discover: true, token: 'x'.repeat(16), prefix: '/redset', refreshMs: 1000,
        logger: (message, details) => void [message, details],
      });
      handler.close();`);
    writeFileSync(join(project, 'misuse.ts'), `
      import { dashboard } from 'redset/dashboard';
      dashboard({ client: async () => null, sets: [{ name: 'x', kind: 'fifo' }] });`);
    const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
    const common = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--lib', 'es2022'];
    await run('node', [tsc, ...common, 'usage.ts'], { cwd: project }).catch((e) => assert.fail(e.stdout));
    const misuse = await run('node', [tsc, ...common, 'misuse.ts'], { cwd: project }).then(() => null, (e) => e);
    assert.ok(misuse, 'tsc accepted the kind "fifo"');
    assert.match(misuse.stdout, /TS2322/);
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
});
