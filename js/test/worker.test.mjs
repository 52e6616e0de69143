// The consumer loops: consume() as an async iterator with an AbortSignal, and the
// process() worker on leases (ack, retry, heartbeat, shutdown), on a real redis-server.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { SortedSet } from '../../pkg/index.mjs';
import { eachClient } from './helpers.mjs';

eachClient((t) => {
  const { key } = t;

  test('consume() yields items as they come and stops on abort', async () => {
    const set = new SortedSet(t.conn.client, key('consume'));
    await set.addMany(['a', 'b']);
    const controller = new AbortController();
    setTimeout(() => set.add('c'), 100);
    const got = [];
    for await (const item of set.consume({ signal: controller.signal, pollMs: 200 })) {
      got.push(item);
      if (got.length === 3) controller.abort();
    }
    assert.deepEqual(got, ['a', 'b', 'c']);
  });

  test('process() acks, retries a throw, keeps a slow handler leased, and shuts down', async () => {
    const name = key('worker');
    const set = new SortedSet(t.conn.client, name, { backoff: { base: 20, cap: 50 } });
    await set.addMany(['ok-1', 'flaky', 'slow', 'ok-2']);
    const seen = [];
    const controller = new AbortController();
    let flakyTries = 0;
    const done = set.process(async (item) => {
      seen.push(item);
      if (item === 'flaky' && ++flakyTries === 1) throw new Error('first try fails');
      // Past the lease, kept alive by the heartbeat (every third of it): a stall of up to
      // a second is survived, as on a busy machine (150 ms once let it lapse there).
      if (item === 'slow') await sleep(2000);
    }, { concurrency: 2, leaseMs: 1500, signal: controller.signal, pollMs: 100 });
    for (let i = 0; i < 500 && (await set.len()) + (await set.inFlight()) > 0; i++) await sleep(20);
    controller.abort();
    const counts = await done;
    assert.deepEqual(counts, { acked: 4, retried: 1, released: 0, rateLimited: 0 });
    assert.equal(seen.filter((i) => i === 'slow').length, 1, 'the slow one was not handed out twice');
    assert.equal(flakyTries, 2);
    const stats = await set.stats();
    assert.deepEqual([stats.waiting, stats.inFlight, stats.dead], [0, 0, 0]);
  });

  /** A set of `n` jobs ("job-0" …) for a worker. */
  const jobs = async (what, n) => {
    const set = new SortedSet(t.conn.client, key(what));
    const items = Array.from({ length: n }, (_, i) => `job-${i}`);
    await set.addMany(items);
    return { set, items };
  };

  test('process() prefetches quick jobs within its bound, none for slow ones, and every item once', async () => {
    const { set, items } = await jobs('prefetch', 300);
    const seen = [];
    let most = 0;
    const controller = new AbortController();
    // Quick handlers: 2 running and up to 6 more held.
    const counts = await set.process(async (item) => {
      seen.push(item);
      if (seen.length % 10 === 0) most = Math.max(most, await set.inFlight());
      if (seen.length === items.length) controller.abort();
    }, { concurrency: 2, prefetch: 6, leaseMs: 30000, signal: controller.signal, pollMs: 100 });
    assert.deepEqual(counts, { acked: 300, retried: 0, released: 0, rateLimited: 0 });
    assert.deepEqual([...seen].sort(), [...items].sort(), 'each item once');
    assert.ok(most > 2, `held beyond the running handlers (at most ${most} in flight)`);
    // Running, held (the prefetch), and finished jobs whose acks wait for their loop's
    // next claim (a share's worth at most each: 1 + 3 per loop).
    assert.ok(most <= 2 + 6 + 2 * 4, `within the bound (${most} in flight)`);
    const stats = await set.stats();
    assert.deepEqual([stats.waiting, stats.inFlight], [0, 0]);

    // Slow handlers against the lease (50 ms × a share of 8 > 1% of 10 s): one at a time.
    await set.addMany(['s-1', 's-2', 's-3', 's-4', 's-5', 's-6']);
    let slowMost = 0;
    let slowDone = 0;
    const slow = new AbortController();
    const slowCounts = await set.process(async () => {
      await sleep(50);
      slowMost = Math.max(slowMost, await set.inFlight());
      if (++slowDone === 6) slow.abort();
    }, { leaseMs: 10000, signal: slow.signal, pollMs: 100 });
    assert.equal(slowCounts.acked, 6);
    assert.equal(slowMost, 1, 'a slow handler\'s worker holds nothing beyond it');
  });

  test('process() gives held leases back when the set is paused, and goes on after resume', async () => {
    const { set, items } = await jobs('prefetch-pause', 200);
    const seen = [];
    let afterPause = null;
    const controller = new AbortController();
    const done = set.process(async (item) => {
      seen.push(item);
      if (afterPause !== null) afterPause++;
      if (seen.length === 50) {
        await set.pause();
        afterPause = 0;
      }
    }, { prefetch: 8, leaseMs: 30000, signal: controller.signal, pollMs: 100 });
    // Paused: what the worker holds goes back, and nothing more runs.
    for (let i = 0; i < 500 && (await set.inFlight()) > 0; i++) await sleep(10);
    assert.equal(await set.inFlight(), 0, 'nothing held while paused');
    const ran = seen.length;
    assert.ok(afterPause <= 8, `at most a share ran after the pause (${afterPause})`);
    assert.equal(await set.len(), items.length - ran, 'the rest is back in the set');
    await sleep(150);
    assert.equal(seen.length, ran, 'nothing runs while paused');
    await set.resume();
    for (let i = 0; i < 1000 && seen.length < items.length; i++) await sleep(10);
    controller.abort();
    const counts = await done;
    assert.equal(counts.acked, items.length);
    assert.ok(counts.released >= 1, `held leases were released at the pause (${JSON.stringify(counts)})`);
    assert.deepEqual([...seen].sort(), [...items].sort(), 'each item once');
  });

  test('process() releases what is still running at shutdown, and rejects on a failure', async () => {
    const set = new SortedSet(t.conn.client, key('shutdown'));
    await set.add('stuck');
    const controller = new AbortController();
    const done = set.process(() => sleep(5000), { leaseMs: 10000, signal: controller.signal, shutdownMs: 100, pollMs: 100 });
    await sleep(150);
    controller.abort();
    assert.deepEqual(await done, { acked: 0, retried: 0, released: 1, rateLimited: 0 });
    assert.equal(await set.len(), 1, 'back in the set');
    // A key of another type: the worker stops and rejects with the server's error.
    const wrong = key('wrongtype');
    await t.conn.raw('SET', wrong, 'x');
    await assert.rejects(new SortedSet(t.conn.client, wrong).process(() => {}, { pollMs: 100 }), { code: 'WRONGTYPE' });
  });
});
