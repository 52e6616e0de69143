// The original Python redset's tests/test_concurrency.py, in our own words, on every
// client of the matrix. (Its ScheduledMultiprocessTest defines no test case.)
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { LockTimeout, ScheduledSet, SortedSet } from '../../pkg/index.mjs';
import { eachClient, now } from './helpers.mjs';

const run = promisify(execFile);
const takeSubset = fileURLToPath(new URL('./original-take-subset.mjs', import.meta.url));
const PROCESSES = 10;
const ITEMS = PROCESSES * 100;

eachClient((t) => {
  test('MultiprocessTest.test_multiprocessing', async () => {
    const name = `${t.clientName}:MultiprocessTest`;
    const ss = new SortedSet(t.conn.client, name);
    for (let i = 0; i < ITEMS; i++) await ss.add(i);
    const outputs = await Promise.all(Array.from({ length: PROCESSES }, () =>
      run('node', [takeSubset, t.server.socket, name, String(t.clientIndex), String(ITEMS / PROCESSES)])));
    const taken = outputs.flatMap(({ stdout }) => JSON.parse(stdout));
    assert.deepEqual(taken.sort((a, b) => a - b), Array.from({ length: ITEMS }, (_, i) => i));
    assert.equal(await ss.len(), 0);
  });

  // LockExpiryTest: the original tests its own client-side lock. redset takes no lock
  // (its pops are atomic on the server), but a ScheduledSet honours the original's lock
  // so the two can share a set; these are the same two cases from that side.

  test('LockExpiryTest.test_lock_timeout', async () => {
    const name = `${t.clientName}:LockExpiryTest:timeout`;
    // The original's `holder` (lock_expires=10) holds the lock: its value is its expiry.
    await t.conn.raw('SET', `${name}__lock`, String(now() + 10));
    const chump = new ScheduledSet(t.conn.client, name, { lockTimeout: 0.001 });
    await chump.add('due', now() - 1);
    await assert.rejects(chump.pop(), LockTimeout); // the original's LockTimeout
    assert.equal(await chump.len(), 1, 'nothing was taken');
  });

  test('LockExpiryTest.test_lock_expires', async () => {
    const name = `${t.clientName}:LockExpiryTest:expires`;
    // The original's `chump` (lock_expires=0.001) took the lock and let it expire.
    await t.conn.raw('SET', `${name}__lock`, String(now() + 0.001));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const holder = new ScheduledSet(t.conn.client, name, { lockTimeout: 0 });
    await holder.add('due', now() - 1);
    assert.equal(await holder.pop(), 'due', 'got past the lock');
  });
});
