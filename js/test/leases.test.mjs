// Leases from Node on a real redis-server, on every client of the matrix: claim, ack,
// fencing, extend, retry with backoff, dead letters, recovery, stats.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { LeaseLost, LockTimeout, ScheduledSet, SortedSet } from '../../pkg/index.mjs';
import { eachClient, now } from './helpers.mjs';

eachClient((t) => {
  const { key } = t;
  test('claim hands out leases with growing tokens; ack settles them', async () => {
    const set = new SortedSet(t.conn.client, key('jobs'));
    await set.add('a', 1);
    await set.add('b', 2);
    await set.add('c', 3);
    const leases = await set.claim(2, 30000);
    assert.deepEqual(leases.map((l) => l.item), ['a', 'b']);
    assert.ok(leases[0].token < leases[1].token);
    assert.equal(leases[0].deliveries, 1);
    assert.equal(leases[1].score, 2);
    assert.ok(Math.abs(leases[0].deadline - (Date.now() + 30000)) < 2000);
    assert.equal(await set.len(), 1);
    assert.equal(await set.inFlight(), 2);
    await set.ackMany(leases);
    assert.equal(await set.inFlight(), 0);
    const err = await set.ack(leases[0]).catch((e) => e);
    assert.ok(err instanceof LeaseLost);
    assert.deepEqual(err.tokens, [leases[0].token]);
    assert.deepEqual(await set.claim(0, 1000), []);
  });

  test('inFlightItems lists holders and retries with their time left; peekItems what waits', async () => {
    const set = new SortedSet(t.conn.client, key('listed'), { backoff: { base: 60000, cap: 60000 } });
    await set.add('held', 1);
    await set.add('retried', 2);
    await set.add('waiting', 3);
    const [held, retried] = await set.claim(2, 30000);
    await set.retry(retried);
    const listed = await set.inFlightItems();
    assert.deepEqual(listed.map((l) => [l.item, l.token, l.deliveries, l.score]), [
      ['held', held.token, 1, 1],
      ['retried', null, 1, 2],
    ]);
    assert.equal(listed[0].deadline, held.deadline);
    assert.ok(listed[0].timeLeft > 25000 && listed[0].timeLeft <= 30000, String(listed[0].timeLeft));
    assert.ok(listed[1].timeLeft > 29000, 'the retry waits out its delay');
    assert.equal((await set.inFlightItems(1)).length, 1);
    assert.deepEqual(await set.peekItems(), [{ item: 'waiting', score: 3 }]);
    assert.deepEqual(await set.peekItems(1, 5), []);
    await assert.rejects(set.inFlightItems(-1), RangeError);
  });

  test('metrics: the scripts count adds, claims, acks, retries and releases exactly; stats reads them', async () => {
    const set = new SortedSet(t.conn.client, key('counted'), { metrics: true });
    assert.equal((await set.stats()).counters, null);
    await set.addMany(['a', 'b', 'c']);
    await set.add('a');
    const [a, b, c] = await set.claim(3, 30000);
    await set.ack(a);
    await set.retry(b, 0);
    await set.release(c);
    assert.deepEqual((await set.stats()).counters, {
      added: 3, claimed: 3, acked: 1, retried: 1, released: 1, dead: 0, recovered: 0, requeued: 0,
    });
  });

  test('ackAndClaim settles the last lease and hands out the next; a lost one stops the claim', async () => {
    const set = new SortedSet(t.conn.client, key('next'));
    await set.add('a', 1);
    await set.add('b', 2);
    await set.add('c', 3);
    const [first] = await set.claim(1, 30000);
    const next = await set.ackAndClaim(first, 1, 30000);
    assert.deepEqual(next.map((l) => l.item), ['b']);
    assert.ok(next[0].token > first.token);
    assert.equal(await set.inFlight(), 1);
    // The lease on "a" was acked already: nothing is claimed, "b" is still acked.
    const err = await set.ackAndClaim([first, next[0]], 5, 30000).catch((e) => e);
    assert.ok(err instanceof LeaseLost);
    assert.deepEqual(err.tokens, [first.token]);
    assert.equal(await set.inFlight(), 0);
    assert.equal(await set.len(), 1);
    assert.deepEqual((await set.ackAndClaim([], 5, 30000)).map((l) => l.item), ['c']);
    await assert.rejects(set.ackAndClaim(first, '1', 30000), TypeError);
    await assert.rejects(set.ackAndClaim([{ token: 1 }], 1, 30000), TypeError);
  });

  test('a lease that expired and was claimed again is fenced off', async () => {
    const name = key('fenced');
    const first = new SortedSet(t.conn.client, name);
    const second = new SortedSet(t.conn.client, name);
    await first.add('x');
    const [stale] = await first.claim(1, 50);
    await sleep(80);
    const [fresh] = await second.claim(1, 30000);
    assert.equal(fresh.item, 'x');
    assert.equal(fresh.deliveries, 2);
    assert.ok(fresh.token > stale.token);
    await assert.rejects(first.ack(stale), LeaseLost);
    await assert.rejects(first.extend(stale, 60000), LeaseLost);
    await assert.rejects(first.retry(stale), LeaseLost);
    await assert.rejects(first.release(stale), LeaseLost);
    assert.equal(await first.inFlight(), 1);
    const err = await second.ackMany([fresh, stale]).catch((e) => e);
    assert.ok(err instanceof LeaseLost);
    assert.deepEqual(err.tokens, [stale.token]);
    assert.equal(await second.inFlight(), 0);
  });

  test('extend keeps a lease past its first deadline', async () => {
    const name = key('slow');
    const set = new SortedSet(t.conn.client, name);
    const other = new SortedSet(t.conn.client, name);
    await set.add('slow');
    // A 1 s lease extended every quarter of it: a stall of up to 750 ms is survived (a
    // 100 ms lease extended every 50 ms lapsed on a busy machine).
    const [lease] = await set.claim(1, 1000);
    const first = lease.deadline;
    for (let i = 0; i < 4; i++) {
      await sleep(250);
      assert.equal(await set.extend(lease, 1000), lease.deadline);
      assert.deepEqual(await other.claim(1, 1000), []);
    }
    // Past its first deadline: the last extend came about 1 s after the claim.
    assert.ok(lease.deadline > first + 900, `${lease.deadline - first} ms later`);
    await set.ack(lease);
  });

  test('retries back off, then dead letters keep the reason and can be requeued', async () => {
    const set = new SortedSet(t.conn.client, key('flaky'), { maxDeliveries: 3, backoff: { base: 40, cap: 1000 } });
    await set.add('flaky', 7);
    for (let delivery = 1; delivery <= 3; delivery++) {
      let lease;
      for (let tries = 0; !lease && tries < 100; tries++) {
        [lease] = await set.claim(1, 5000);
        if (!lease) await sleep(10);
      }
      assert.equal(lease.deliveries, delivery);
      assert.equal(lease.score, 7);
      const outcome = await set.retry(lease, { reason: `boom ${delivery}` });
      assert.equal(outcome.outcome, delivery < 3 ? 'requeued' : 'dead');
    }
    const dead = await set.deadLetters();
    assert.equal(dead.length, 1);
    assert.deepEqual([dead[0].item, dead[0].reason, dead[0].deliveries], ['flaky', 'boom 3', 3]);
    assert.ok(dead[0].time > 0);
    const stats = await set.stats();
    assert.deepEqual([stats.waiting, stats.inFlight, stats.dead], [0, 0, 1]);
    assert.equal(await set.requeueDead(dead), 1);
    const [again] = await set.claim(1, 5000);
    assert.deepEqual([again.item, again.deliveries, again.score], ['flaky', 1, 7]);
    await set.release(again);
    assert.equal(await set.len(), 1);
    assert.equal(await set.purgeDead(), 0);
  });

  test('expired leases come back at the next claim or by recover()', async () => {
    const set = new SortedSet(t.conn.client, key('expire'), { maxDeliveries: 2 });
    await set.add('a', 1);
    await set.add('b', 2);
    await set.claim(2, 30);
    await sleep(60);
    assert.deepEqual(await set.recover(), { requeued: 2, dead: 0 });
    await set.claim(2, 30);
    await sleep(60);
    assert.deepEqual(await set.claim(2, 30), []);
    const dead = await set.deadLetters();
    assert.equal(dead.length, 2);
    assert.match(dead[0].reason, /expired after 2 deliveries/);
  });

  test('an item that fails to deserialize on claim goes to the dead letters', async () => {
    const name = key('nums');
    await t.conn.raw('ZADD', name, '1', '12', '2', 'not a number', '3', '13');
    const serializer = { dumps: String, loads: (t) => { const v = Number(t); if (Number.isNaN(v)) throw new Error('NaN'); return v; } };
    const set = new SortedSet(t.conn.client, name, { serializer });
    const leases = await set.claim(10, 5000);
    assert.deepEqual(leases.map((l) => l.item), [12, 13]);
    const [dead] = await set.deadLetters();
    assert.equal(dead.item, null);
    assert.equal(Buffer.from(dead.member).toString(), 'not a number');
    assert.match(dead.reason, /^undecodable/);
    assert.equal(await set.inFlight(), 2);
  });

  test('ScheduledSet: only due items, retry to a later score, the original lock honoured', async () => {
    const name = key('sched');
    const set = new ScheduledSet(t.conn.client, name);
    await set.add('due', now() - 1);
    await set.add('later', now() + 3600);
    const leases = await set.claim(10, 5000);
    assert.deepEqual(leases.map((l) => l.item), ['due']);
    const stats = await set.stats();
    assert.deepEqual([stats.waiting, stats.due, stats.inFlight, stats.oldestDueAge], [1, 0, 1, null]);
    const outcome = await set.retry(leases[0], { delay: 60000 });
    assert.equal(outcome.outcome, 'requeued');
    assert.ok(Math.abs((await set.score('due')) - outcome.at / 1000) < 0.01);
    assert.deepEqual(await set.claim(10, 5000), []);
    await t.conn.raw('SET', `${name}__lock`, String(now() + 20));
    await set.add('now', now() - 1);
    await assert.rejects(new ScheduledSet(t.conn.client, name, { lockTimeout: 0.05 }).claim(1, 5000), LockTimeout);
    assert.ok((await set.stats()).oldestDueAge >= 900);
    await t.conn.raw('DEL', `${name}__lock`);
  });

  test('claimWait returns leases as soon as an item is there, [] at the timeout', async () => {
    const set = new SortedSet(t.conn.client, key('claim-wait'));
    assert.deepEqual(await set.claimWait(1, 5000, 100), []);
    setTimeout(() => set.add('x'), 150);
    const [lease] = await set.claimWait(1, 5000, 3000);
    assert.equal(lease.item, 'x');
    await set.ack(lease);
  });

  test('bad lease arguments are typed errors, not crashes', async () => {
    const set = new SortedSet(t.conn.client, key('bad'));
    await assert.rejects(set.claim('1', 1000), TypeError);
    await assert.rejects(set.claim(1, -5), RangeError);
    await assert.rejects(set.ack({ token: 1 }), TypeError);
    await assert.rejects(set.extend({}, 100), TypeError);
    assert.throws(() => new SortedSet(t.conn.client, 'x', { maxDeliveries: 0 }), RangeError);
  });
});
