// The server's clock as an option: with `clock: 'server'` a process whose clock is an
// hour off still scores, pops and waits by Redis TIME; with the default client clock it
// would take items an hour early. The skew is made by shifting `performance.now`, which
// is where the package reads the time.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';

import { ScheduledSet, TimeSortedSet } from '../../pkg/index.mjs';
import { eachClient, now } from './helpers.mjs';

const HOUR_MS = 3600e3;
const realNow = performance.now.bind(performance);
const skew = (ms) => { performance.now = () => realNow() + ms; };
afterEach(() => { performance.now = realNow; });

eachClient((t) => {
  test('a consumer an hour fast takes nothing early under the server clock', async () => {
    const name = t.key('retries');
    const producer = new ScheduledSet(t.conn.client, name, { clock: 'server' });
    await producer.add('due');
    await producer.add('in-a-minute', now() + 60);
    skew(HOUR_MS);
    const naive = new ScheduledSet(t.conn.client, name);
    assert.equal(await naive.available(), 2, 'by its own clock both are due');
    const skewed = new ScheduledSet(t.conn.client, name, { clock: 'server' });
    assert.equal(await skewed.available(), 1);
    assert.deepEqual(await skewed.take(10), ['due']);
    assert.deepEqual(await skewed.claim(10, 5000), []);
    assert.equal(await skewed.popWait(300).catch((e) => e.name), 'KeyError');
    assert.equal(await producer.len(), 1);
  });

  test('a consumer an hour slow wakes when the item is due by the server clock', async () => {
    const name = t.key('retries');
    await new ScheduledSet(t.conn.client, name).add('soon', now() + 0.3);
    skew(-HOUR_MS);
    const skewed = new ScheduledSet(t.conn.client, name, { clock: 'server' });
    const started = realNow();
    assert.equal(await skewed.popWait(5000), 'soon');
    const waited = realNow() - started;
    assert.ok(waited >= 200 && waited < 3000, `waited ${waited} ms`);
  });

  test("a time-ordered add's default score is the server's time", async () => {
    const name = t.key('fifo');
    skew(-HOUR_MS);
    const set = new TimeSortedSet(t.conn.client, name, { clock: 'server' });
    const score = await set.add('a');
    assert.ok(Math.abs(score - now()) < 5, `score ${score}`);
    assert.equal(await set.addMany(['b', 'c']), 2);
    assert.ok(Math.abs((await set.score('c')) - now()) < 5);
    assert.throws(() => new TimeSortedSet(t.conn.client, name, { clock: 'sundial' }), TypeError);
  });
});
