// redset/testing as a user would use it, and as our fault tests use it: a failure at
// every round trip of an operation rejects with one of the package's error classes
// (never an untyped error, never a silent loss), and a command off the script shows a
// diff.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ConnectionError, KeyError, ReplyError, ScheduledSet, SortedSet, TimeSortedSet, TimeoutError } from '../../pkg/index.mjs';
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

test('an add goes prepared and keeps the add\'s rules: the marker when a consumer waits, typed errors', async () => {
  const add = ['ZADD', 'jobs', '2', 'a'];
  const waiting = ['EXISTS', '{jobs}:waiting'];
  const conn = scripted()
    .expect(add, 1).expect(waiting, 0)
    .expect(add, 0).expect(waiting, 1)
    .expect(['ZADD', '{jobs}:wake', '0', 'w'], 1).expect(['PEXPIRE', '{jobs}:wake', '60000'], 1)
    .expectError(add, 'WRONGTYPE Operation against a key holding the wrong kind of value').expect(waiting, 0)
    .expectDropped(add); // an execute function's commands go one after another: the check is never sent
  const jobs = new SortedSet(conn.execute, 'jobs');
  assert.equal(await jobs.add('a', 2), 2);
  assert.equal(await jobs.add('a', 2), 2, 'a consumer waits: the marker is written, and the score is the add\'s');
  await assert.rejects(jobs.add('a', 2), (e) => e instanceof ReplyError && /WRONGTYPE/.test(e.message));
  await assert.rejects(jobs.add('a', 2), ConnectionError);
  conn.assertDone();
  // A FIFO set's add at the clock's time: the marker's add gets the score of the ZADD sent.
  const fifo = scripted()
    .expect(['ZADD', 'jobs', '*', 'b'], 1).expect(waiting, 1)
    .expect(['ZADD', '{jobs}:wake', '0', 'w'], 1).expect(['PEXPIRE', '{jobs}:wake', '60000'], 1);
  const score = await new TimeSortedSet(fifo.execute, 'jobs').add('b');
  assert.equal(String(score), fifo.sent[0][2]);
  fifo.assertDone();
});
