// Flow control from Node on real servers, with Rust consumers beside the Node ones:
// pause and resume, a rate limit held in every window by 2 Node and 2 Rust consumer
// processes, fair groups against a flood, a per-group in-flight limit under SIGKILLed
// consumers of both runtimes and expiring leases, limits that survive a restart, the
// worker's RateLimited escape hatch. Every time checked is the server's. The Rust
// consumers are tests/flow.rs's flow_consumer (its test binary, built by cargo).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import { RateLimited, SortedSet } from '../../pkg/index.mjs';
import { startRedis } from './helpers.mjs';

const require = createRequire(import.meta.url);
const Redis = require('ioredis');
const nodeConsumer = fileURLToPath(new URL('./flow-consumer.mjs', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

/** The path of tests/flow.rs's test binary (cargo builds it if it has to). */
function rustFlowBinary() {
  const out = execFileSync('cargo', ['test', '--all-features', '--test', 'flow', '--no-run', '--message-format=json'], {
    cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20,
  });
  const built = out.split('\n').filter(Boolean).map((line) => JSON.parse(line))
    .find((m) => m.reason === 'compiler-artifact' && m.target?.name === 'flow' && m.executable);
  assert.ok(built, 'cargo built no flow test binary');
  return built.executable;
}

function spawnChild(command, args, env = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...env } });
  child.exited = once(child, 'exit');
  return child;
}

const rustConsumer = (binary, spec) =>
  spawnChild(binary, ['flow_consumer', '--exact', '--ignored', '--nocapture'], { REDSET_CHILD: spec });
const nodeConsumerOf = (...args) => spawnChild('node', [nodeConsumer, ...args]);

async function finished(child) {
  const [code] = await child.exited;
  assert.equal(code, 0, 'a consumer failed');
}

/** The most sorted times (ms) in any window of `window` ms. */
function busiest(times, window) {
  let most = 0;
  for (let start = 0, end = 0; end < times.length; end++) {
    while (times[end] - times[start] > window) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

const serverMs = async (client) => {
  const [seconds, micros] = await client.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
};

describe('flow control', () => {
  let server;
  let client;
  let rust;
  before(async () => {
    rust = rustFlowBinary();
    server = await startRedis({ durable: true });
    client = new Redis({ path: server.socket });
  });
  after(async () => {
    client.disconnect();
    await server.stop();
  });

  test('pause stops Node consumers at once; resume wakes a blocked claimWait through the marker', async () => {
    const name = 'paused';
    const set = new SortedSet(client, name);
    await set.addMany(Array.from({ length: 3000 }, (_, i) => String(i)));
    let stop = false;
    const consumers = Array.from({ length: 3 }, async () => {
      const own = new Redis({ path: server.socket });
      const mine = new SortedSet(own, name);
      const claimed = [];
      while (!stop) {
        for (const lease of await mine.claim(2, 30_000)) {
          claimed.push(lease.deadline - 30_000);
          await mine.ack(lease);
        }
      }
      own.disconnect();
      return claimed;
    });
    await sleep(300);
    await set.pause();
    const pausedAt = await serverMs(client);
    assert.equal(await set.isPaused(), true);
    assert.equal((await set.stats()).paused, true);
    await sleep(300);
    stop = true;
    const claims = (await Promise.all(consumers)).flat();
    const after = claims.filter((at) => at > pausedAt);
    console.log(`pause (Node): ${claims.length - after.length} claims before it, ${after.length} after`);
    assert.ok(claims.length > after.length, 'the consumers never ran');
    assert.deepEqual(after, []);
    // Pops of a set with flow control honour it; the original's pops do not.
    await assert.rejects(new SortedSet(client, name, { flowControl: true }).pop());
    assert.notEqual(await set.pop(), null);

    const wakes = [];
    for (let i = 0; i < 3; i++) {
      const waiter = new SortedSet(new Redis({ path: server.socket }), name);
      const waiting = waiter.claimWait(1, 30_000, 10_000);
      await sleep(1300); // longer than one block
      const resumingAt = await serverMs(client);
      await set.resume();
      const [lease] = await waiting;
      assert.ok(lease.deadline - 30_000 >= resumingAt, 'claimed while paused');
      wakes.push(lease.deadline - 30_000 - resumingAt);
      await set.pause();
    }
    wakes.sort((a, b) => a - b);
    console.log(`resume woke a waiting Node consumer in ${wakes.join(', ')} ms (server clock)`);
    assert.ok(wakes[1] < 500, String(wakes));
    await set.resume();
  });

  test('200/s (burst 20) held in every window by 2 Node and 2 Rust consumer processes, and reached', async () => {
    const name = 'limited';
    const set = new SortedSet(client, name);
    await set.addMany(Array.from({ length: 5000 }, (_, i) => String(i)));
    const consumers = [
      nodeConsumerOf('rate', server.socket, name),
      nodeConsumerOf('rate', server.socket, name),
      rustConsumer(rust, `rate|${server.url}|${name}`),
      rustConsumer(rust, `rate|${server.url}|${name}`),
    ];
    await sleep(10_000);
    await client.set(`${name}:stop`, 1);
    await Promise.all(consumers.map(finished));
    const times = (await client.lrange(`${name}:log`, 0, -1)).map(Number).sort((a, b) => a - b);
    for (const window of [0, 5, 50, 100, 1000, 5000]) {
      const most = busiest(times, window);
      const allowed = 20 + ((window + 1) * 200) / 1000;
      console.log(`rate limit (Node + Rust): at most ${most} in any ${window} ms (limit + burst: ${allowed.toFixed(1)})`);
      assert.ok(most <= allowed, `${most} in ${window} ms`);
    }
    const span = (times[times.length - 1] - times[0]) / 1000;
    const reached = (times.length - 20) / span;
    console.log(`rate limit (Node + Rust): ${times.length} items in ${span.toFixed(2)} s: ${reached.toFixed(1)}/s of 200/s`);
    assert.ok(reached >= 0.95 * 200, `reached ${reached}/s`);
  });

  test('a 50 000-item flood in one group lets two groups of 100 finish first (Node consumers)', async () => {
    const name = 'fair';
    const groupBy = (item) => item.split(':')[0];
    const producer = new SortedSet(client, name, { groupBy });
    await producer.addMany(Array.from({ length: 50_000 }, (_, i) => `flood:${i}`));
    for (let i = 0; i < 100; i++) {
      await producer.add(`small-a:${i}`);
      await producer.add(`small-b:${i}`);
    }
    assert.equal(await client.zcard(name), 50_200, 'the original reads every item');
    const order = [];
    await Promise.all(Array.from({ length: 4 }, async () => {
      const own = new Redis({ path: server.socket });
      const set = new SortedSet(own, name, { groupBy });
      for (let i = 0; i < 400; i++) {
        for (const lease of await set.claim(1, 30_000)) {
          await set.ack(lease);
          order.push(lease.item);
        }
      }
      own.disconnect();
    }));
    const lastSmall = order.findLastIndex((i) => !i.startsWith('flood'));
    const floodsBefore = order.slice(0, lastSmall).filter((i) => i.startsWith('flood')).length;
    const small = order.filter((i) => !i.startsWith('flood')).length;
    console.log(`fairness (Node): all ${small} small-group items done before the flood's ${floodsBefore + 1}th`);
    assert.equal(small, 200);
    assert.ok(floodsBefore < 1000, String(floodsBefore));
    const flood = await producer.groupStats('flood');
    assert.deepEqual(flood, { group: 'flood', waiting: 50_000 - (order.length - 200), inFlight: 0, dead: 0 });
  });

  test('a group concurrency of 2 holds at every claim with Node and Rust consumers SIGKILLed and leases expiring', async () => {
    const name = 'limited-groups';
    const groupBy = (item) => item.split(':')[0];
    const producer = new SortedSet(client, name, { groupBy, groups: { concurrency: 2 } });
    await producer.addMany(Array.from({ length: 300 }, (_, i) => `g${i % 5}:${i}`));
    let seed = 1;
    const spawnOne = (i) => {
      seed += 2;
      return i % 2 === 0
        ? nodeConsumerOf('groups', server.socket, name, String(seed))
        : rustConsumer(rust, `groups|${server.url}|${name}|${seed}`);
    };
    let consumers = Array.from({ length: 4 }, (_, i) => spawnOne(i));
    for (let round = 0; round < 6; round++) {
      await sleep(400);
      const [victim] = consumers.splice(round % consumers.length, 1);
      victim.kill('SIGKILL');
      await victim.exited;
      consumers.push(spawnOne(round));
    }
    await Promise.all(consumers.map(finished));
    const leases = new Map();
    for (const entry of await client.lrange(`${name}:log`, 0, -1)) {
      const parts = entry.split(' ');
      if (parts[0] === 'c') leases.set(parts[2], { group: parts[1], at: Number(parts[3]), end: Number(parts[4]) });
      else leases.get(parts[1]).end = Math.min(leases.get(parts[1]).end, Number(parts[2]));
    }
    let most = 0;
    for (const [token, { group, at }] of leases) {
      let held = 0;
      for (const [other, lease] of leases) {
        if (lease.group === group && (other === token || (lease.at <= at && at < lease.end))) held++;
      }
      most = Math.max(most, held);
    }
    const stats = await producer.stats();
    console.log(`group limit 2 (Node + Rust, 6 SIGKILLs): ${leases.size} claims, at most ${most} of a group held at a claim`);
    assert.ok(most <= 2, String(most));
    assert.deepEqual([stats.waiting, stats.inFlight], [0, 0]);
    assert.ok((await producer.groups()).every((g) => g.waiting === 0 && g.inFlight === 0));
  });

  test('pause and a group count survive a SIGKILL restart of the server', async () => {
    const name = 'durable';
    const options = { groupBy: (item) => item[0], groups: { concurrency: 1 } };
    const set = new SortedSet(client, name, options);
    for (const item of ['a1', 'a2', 'b1']) await set.add(item);
    assert.equal((await set.claim(1, 60_000))[0].item, 'a1');
    await set.pause();
    await server.restart();
    const fresh = new Redis({ path: server.socket });
    try {
      const again = new SortedSet(fresh, name, options);
      assert.equal(await again.isPaused(), true);
      assert.deepEqual(await again.claim(5, 60_000), []);
      await again.resume();
      assert.deepEqual((await again.claim(5, 60_000)).map((l) => l.item), ['b1'], "a's in-flight count survived");
      assert.equal((await again.groupStats('a')).inFlight, 1);
    } finally {
      fresh.disconnect();
    }
    client.disconnect();
    client = new Redis({ path: server.socket });
  });

  test('a handler that throws RateLimited gives its item back uncounted and holds the set', async () => {
    const name = 'hatch';
    const set = new SortedSet(client, name);
    await set.addMany(['x', 'y']);
    const tries = new Map();
    const controller = new AbortController();
    const started = Date.now();
    const done = set.process(async (item) => {
      const n = (tries.get(item) ?? 0) + 1;
      tries.set(item, n);
      if (item === 'x' && n === 1) throw new RateLimited(400);
      if (tries.size === 2 && [...tries.values()].reduce((a, b) => a + b) === 3) controller.abort();
    }, { concurrency: 1, leaseMs: 5000, signal: controller.signal, pollMs: 100 });
    const counts = await done;
    assert.deepEqual(counts, { acked: 2, retried: 0, released: 0, rateLimited: 1 });
    assert.ok(Date.now() - started >= 400, 'the set was held');
    assert.equal(await set.len(), 0);
    // By hand: held, and stats say for how long.
    await set.add('z');
    const [lease] = await set.claim(1, 5000);
    await set.rateLimited(lease, 1500);
    const { heldFor } = await set.stats();
    assert.ok(heldFor > 0 && heldFor <= 1500, String(heldFor));
    assert.deepEqual(await set.claim(1, 5000), []);
    assert.equal(lease.deliveries, 1);
  });

  test('grouped pops go round-robin; a group given to a set that is not grouped is rejected', async () => {
    const set = new SortedSet(client, 'rr', { groups: true });
    for (const [group, item, score] of [['a', 'a1', 1], ['a', 'a2', 2], ['a', 'a3', 3], ['b', 'b1', 9]]) {
      await set.addToGroup(group, item, score);
    }
    assert.deepEqual(await set.take(4), ['a1', 'b1', 'a2', 'a3']);
    await assert.rejects(new SortedSet(client, 'plain').addToGroup('a', 'x'), /not grouped/);
    await assert.rejects(new SortedSet(client, 'bad', { groupBy: () => 7 }).add('x'), RangeError);
    assert.throws(() => new SortedSet(client, 'bad', { rateLimit: { max: 0, periodMs: 1000 } }), RangeError);
  });

  test('groups is true, false or the groups\' limits; any other value is a TypeError that says what it takes', async () => {
    for (const [groups, given] of [['yes', 'string "yes"'], [1, 'integer `1`'], [['a'], 'sequence']]) {
      assert.throws(() => new SortedSet(client, 'bad', { groups }), {
        name: 'TypeError',
        message: `invalid set options: invalid type: ${given}, expected a boolean or { concurrency?, rateLimit? }`,
      });
    }
    assert.throws(() => new SortedSet(client, 'bad', { groups: { concurrency: 'two' } }), TypeError);
    await assert.rejects(new SortedSet(client, 'groups-off', { groups: false }).addToGroup('a', 'x'), /not grouped/);
    const limited = new SortedSet(client, 'groups-limited', { groups: { concurrency: 1 } });
    await limited.addToGroup('a', 'a1', 1);
    await limited.addToGroup('a', 'a2', 2);
    await limited.addToGroup('b', 'b1', 3);
    assert.deepEqual((await limited.claim(3, 5000)).map((lease) => lease.item), ['a1', 'b1']);
  });
});
