// Waits that block in Redis: popWait / takeWait / claimWait wake as soon as another
// client makes an item eligible, on duplicates of the user's client that are closed
// once no wait needs them; an `execute` function (which cannot be duplicated) polls.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { ScheduledSet, SortedSet } from '../../pkg/index.mjs';
import { eachClient, now } from './helpers.mjs';

/** Runs `wait()`; 200 ms in, `act()`. Resolves to the wait's result and how long after `act` began it came. */
async function wokenAfter(wait, act) {
  let actedAt = null;
  const acting = sleep(200).then(() => { actedAt = performance.now(); return act(); });
  const got = await wait();
  const after = performance.now() - actedAt;
  await acting;
  return { got, after };
}

const clients = async (raw) => {
  const list = String(await raw('CLIENT', 'LIST'));
  return list.split('\n').filter((line) => line.trim() !== '').length;
};

eachClient((t) => {
  test('a blocked popWait / takeWait wakes as soon as an item is added', async () => {
    const name = t.key('jobs');
    const set = new SortedSet(t.conn.client, name);
    const producer = new SortedSet(t.conn.client, name);
    let { got, after } = await wokenAfter(() => set.popWait(5000), () => producer.add('a'));
    assert.equal(got, 'a');
    assert.ok(after < 500, `woken ${after} ms after the add`);
    ({ got, after } = await wokenAfter(() => set.takeWait(10, 5000), () => producer.addMany(['b', 'c'])));
    assert.deepEqual(got, ['b', 'c']);
    assert.ok(after < 500, `woken ${after} ms after the add`);
    // A plain ZADD from a writer that knows nothing of redset wakes it too.
    ({ got } = await wokenAfter(() => set.popWait(5000), () => t.conn.raw('ZADD', name, '0', 'plain')));
    assert.equal(got, 'plain');
  });

  test('a scheduled wait blocked far from its next item wakes on an add that is due', async () => {
    const name = t.key('retries');
    const set = new ScheduledSet(t.conn.client, name);
    await set.add('far', now() + 3600);
    const { got, after } = await wokenAfter(() => set.popWait(5000), () => new ScheduledSet(t.conn.client, name).add('now'));
    assert.equal(got, 'now');
    assert.ok(after < 500, `woken ${after} ms after the add`);
  });

  test('claimWait wakes on an add and on a retry; the duplicates are closed afterwards', async () => {
    const name = t.key('claims');
    await sleep(50); // closes of earlier tests' duplicates reach the server
    const before = await clients(t.conn.raw);
    const set = new SortedSet(t.conn.client, name);
    const other = new SortedSet(t.conn.client, name);
    let { got, after } = await wokenAfter(() => set.claimWait(1, 30000, 5000), () => other.add('job'));
    assert.equal(got[0].item, 'job');
    assert.ok(after < 500, `woken ${after} ms after the add`);
    ({ got, after } = await wokenAfter(() => set.claimWait(1, 30000, 5000), () => other.retry(got[0], { delay: 0 })));
    assert.equal(got[0].deliveries, 2, JSON.stringify(got));
    assert.ok(after < 500, `woken ${after} ms after the retry`);
    // Three waits at once: three duplicates, each blocked on its own; none left after.
    const waits = [set.popWait(300), set.popWait(300), set.claimWait(1, 1000, 300)];
    await sleep(100);
    assert.equal(await clients(t.conn.raw), before + 3, 'a duplicate for each wait');
    const settled = await Promise.allSettled(waits);
    assert.deepEqual(settled.map((s) => s.status), ['rejected', 'rejected', 'fulfilled']);
    await sleep(50);
    assert.equal(await clients(t.conn.raw), before, 'no duplicate left open');
  });

  test('blockingWaits: false, and an execute function, poll on the one connection', async () => {
    const name = t.key('polled');
    await sleep(50);
    const polled = new SortedSet(t.conn.client, name, { blockingWaits: false });
    const before = await clients(t.conn.raw);
    setTimeout(() => polled.add('x'), 150);
    assert.equal(await polled.popWait(5000), 'x');
    const viaExecute = new SortedSet((args) => t.conn.raw(...args), name);
    setTimeout(() => polled.add('y'), 150);
    assert.equal(await viaExecute.popWait(5000), 'y');
    assert.equal(await clients(t.conn.raw), before);
  });
});
