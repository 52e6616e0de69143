// HTTP Redis: sets over an @upstash/redis client, against an Upstash-compatible REST
// server (upstash-server.mjs) in front of a real redis-server.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';

import {
  KeyError, LeaseLost, ProtocolError, ReplyError, ScheduledSet, SerializerError, SortedSet,
} from '../../pkg/index.mjs';
import { startRedis } from './helpers.mjs';
import { startUpstashServer } from './upstash-server.mjs';

const require = createRequire(import.meta.url);
const { Redis } = require('@upstash/redis');

let server;
let rest;
let up;
let raw;
before(async () => {
  server = await startRedis();
  rest = await startUpstashServer({ path: server.socket });
  up = new Redis({ url: rest.url, token: rest.token, automaticDeserialization: false, enableTelemetry: false });
  raw = new (require('ioredis'))({ path: server.socket });
});
after(async () => {
  raw.disconnect();
  await rest.close();
  await server.stop();
});

test('the document\'s operations over HTTP, "007" kept a string', async () => {
  const set = new SortedSet(up, 'up:sorted');
  assert.equal(await set.add('007', 2), 2);
  await set.add('b', 1);
  await set.add('c', 3);
  assert.equal(await set.len(), 3);
  assert.equal(await set.has('007'), true);
  assert.equal(await set.score('007'), 2);
  assert.equal(await set.peek(), 'b');
  assert.equal(await set.peekScore(), 1);
  assert.equal(await set.pop(), 'b');
  assert.deepEqual(await set.take(5), ['007', 'c']);
  await assert.rejects(set.pop(), KeyError);
  assert.equal(await set.discard('nothing'), false);
});

test('a ScheduledSet over HTTP falls back from EVALSHA to EVAL after SCRIPT FLUSH', async () => {
  const set = new ScheduledSet(up, 'up:scheduled');
  const now = Date.now() / 1000;
  await set.add('due', now - 1);
  await set.add('later', now + 3600);
  await raw.script('FLUSH');
  assert.equal(await set.available(), 1);
  assert.equal(await set.pop(), 'due');
  await assert.rejects(set.pop(), KeyError);
  assert.equal(await set.len(), 1);
});

test('leases over HTTP: claim, ack, and a lost lease is LeaseLost', async () => {
  const set = new SortedSet(up, 'up:leases');
  await set.addMany(['a', 'b']);
  const [first, second] = await set.claim(2, 30000);
  assert.deepEqual([first.item, second.item], ['a', 'b']);
  await set.ack(first);
  await assert.rejects(set.ack(first), LeaseLost);
  assert.equal((await set.retry(second, 0)).outcome, 'requeued');
  const [again] = await set.claimWait(1, 30000, 2000);
  assert.equal(again.item, 'b');
  assert.equal(again.deliveries, 2);
  await set.ack(again);
  const { waiting, due, inFlight, dead } = await set.stats();
  assert.deepEqual({ waiting, due, inFlight, dead }, { waiting: 0, due: 0, inFlight: 0, dead: 0 });
});

test('error replies are ReplyErrors with their code', async () => {
  await raw.set('up:string', 'x');
  const err = await new SortedSet(up, 'up:string').len().catch((e) => e);
  assert.ok(err instanceof ReplyError, String(err));
  assert.equal(err.code, 'WRONGTYPE');
});

test('what HTTP JSON cannot carry exactly is refused, not corrupted', async () => {
  const bytes = { dumps: () => new Uint8Array([0xff, 0xfe]), loads: (m) => m };
  const sent = rest.requests;
  await assert.rejects(new SortedSet(up, 'up:bytes', { serializer: bytes }).add('x', 1), SerializerError);
  assert.equal(rest.requests, sent, 'nothing was sent');
  // A member written by a binary-safe client comes back as U+FFFD over HTTP.
  await raw.zadd('up:binary', 0, Buffer.from([0xff, 0x61]));
  await assert.rejects(new SortedSet(up, 'up:binary').peek(), ProtocolError);
  // An integer past 2^53: JSON numbers are doubles, so it arrives rounded.
  rest.forge('{"result":1152921504606846977}');
  await assert.rejects(new SortedSet(up, 'up:big').len(), ProtocolError);
  // A client that would parse "007" into 7.
  const parsing = new Redis({ url: rest.url, token: rest.token, enableTelemetry: false });
  assert.throws(() => new SortedSet(parsing, 'up:sorted'), /automaticDeserialization: false/);
});

test('a wait polls over HTTP (no blocking command) and sees an item added meanwhile', async () => {
  const set = new SortedSet(up, 'up:wait');
  const before = rest.requests;
  await assert.rejects(set.popWait(2000), KeyError);
  const idle = rest.requests - before;
  console.log(`an idle popWait(2000) over HTTP: ${idle} requests`);
  // First poll after 100 ms, doubling to 800 ms: at most one request per 100 ms, and one more.
  assert.ok(idle >= 2 && idle <= 2000 / 100 + 1, `${idle} requests`);
  const waiting = set.popWait(10000);
  setTimeout(() => { raw.zadd('up:wait', 0, 'late'); }, 300);
  assert.equal(await waiting, 'late');
});

test('the test server speaks the REST API as @upstash/redis uses it: /pipeline and /multi-exec', async () => {
  const pipeline = up.pipeline();
  pipeline.set('up:k', '007');
  pipeline.get('up:k');
  assert.deepEqual(await pipeline.exec(), ['OK', '007']);
  const transaction = up.multi();
  transaction.incr('up:n');
  transaction.get('up:k');
  assert.deepEqual(await transaction.exec(), [1, '007']);
  const stranger = new Redis({ url: rest.url, token: 'wrong', automaticDeserialization: false, enableTelemetry: false, retry: false });
  await assert.rejects(stranger.get('up:k'), /Unauthorized/);
});
