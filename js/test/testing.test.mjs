// redset/testing as a user would use it, and as our fault tests use it: a failure at
// every round trip of an operation rejects with one of the package's error classes
// (never an untyped error, never a silent loss), and a command off the script shows a
// diff.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ConnectionError, KeyError, ReplyError, ScheduledSet, SortedSet, TimeoutError } from '../../pkg/index.mjs';
import { scripted } from '../../pkg/testing.mjs';

const LEASE_KEYS = ['{jobs}:leases', '{jobs}:lease-records', '{jobs}:deliveries', '{jobs}:fence',
  '{jobs}:dead', '{jobs}:dead-records', '{jobs}:wake', '{jobs}:waiting', '{jobs}:counters',
  '{jobs}:flow', '{jobs}:group-index', '{jobs}:group-of', '{jobs}:groups-ready', '{jobs}:groups-held',
  '{jobs}:groups-later', '{jobs}:group-in-flight', '{jobs}:group-rate', '{jobs}:group-dead'];
// The key count, the keys, then the set's options word (empty: no metrics, no limits).
const CLAIM = ['EVALSHA', '*', '19', 'jobs', ...LEASE_KEYS, '', '1', '30000', '5', '100', '+inf'];
const CLAIMED = [0, 0, 'a', 7, 1, 1700000030000, '0'];

test('a user drains a set in a test without a server', async () => {
  const conn = scripted()
    .expect(['ZPOPMIN', 'jobs', '1'], ['a', '0'])
    .expect(['ZPOPMIN', 'jobs', '1'], ['b', '1'])
    .expect(['ZPOPMIN', 'jobs', '1'], []);
  const jobs = new SortedSet(conn.execute, 'jobs');
  const done = [];
  for (;;) {
    try {
      done.push(await jobs.pop());
    } catch (err) {
      if (err instanceof KeyError) break;
      throw err;
    }
  }
  assert.deepEqual(done, ['a', 'b']);
  conn.assertDone();
});

test('a failure at each round trip is a typed rejection', async () => {
  // A pop: dropped, or an error reply.
  let conn = scripted().expectDropped(['ZPOPMIN', 'jobs', '1']).expectError(['ZPOPMIN', 'jobs', '1'], 'WRONGTYPE Operation against a key holding the wrong kind of value');
  const jobs = new SortedSet(conn.execute, 'jobs');
  await assert.rejects(jobs.pop(), ConnectionError);
  await assert.rejects(jobs.pop(), (e) => e instanceof ReplyError && /WRONGTYPE/.test(e.message));
  conn.assertDone();
  // A claim then an ack: fail each round trip in turn.
  const ack = ['EVALSHA', '*', '19', 'jobs', ...LEASE_KEYS, '', 'a', '7'];
  for (let failing = 0; failing < 2; failing++) {
    conn = scripted();
    if (failing === 0) conn.expectDropped(CLAIM);
    else conn.expect(CLAIM, CLAIMED).expectDropped(ack);
    const set = new SortedSet(conn.execute, 'jobs');
    const outcome = await set.claim(1, 30000).then((leases) => set.ack(leases[0])).then(() => 'ok', (e) => e);
    assert.ok(outcome instanceof ConnectionError, `round trip ${failing}: ${outcome}`);
    assert.ok(outcome.cause instanceof Error, 'the original failure is the cause');
    conn.assertDone();
  }
  // A scheduled pop through the NOSCRIPT fallback, then no reply: a TimeoutError that
  // says the pop may still take effect.
  conn = scripted()
    .expectError(['EVALSHA', '*', '2', 'jobs', 'jobs__lock', '*', '1'], 'NOSCRIPT No matching script')
    .expectHang(['EVAL', '*', '2', 'jobs', 'jobs__lock', '*', '1']);
  const due = new ScheduledSet(conn.execute, 'jobs', { timeout: 100 });
  await assert.rejects(due.pop(), (e) => e instanceof TimeoutError && e.mayHaveTakenEffect === true);
  conn.assertDone();
});

test('a command off the script is an error reply with a diff, and assertDone says so', async () => {
  const conn = scripted().expect(['ZCARD', 'jobs'], 1).expect(['ZCARD', 'jobs'], 1);
  await assert.rejects(new SortedSet(conn.execute, 'other').len(), /\[1\] expected "jobs", sent "other"/);
  assert.throws(() => conn.assertDone(), /expected, never sent: \["ZCARD","jobs"\]/);
  assert.deepEqual(conn.sent, [['ZCARD', 'other']]);
});
