// Junk replies: every operation fed random reply shapes by an `execute` function
// rejects with one of the package's error classes (RedsetError), never an untyped error,
// and never leaves the set unusable.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { RedsetError, ScheduledSet, SortedSet } from '../../pkg/index.mjs';

// A small deterministic generator (mulberry32), so a failure can be replayed.
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Values that throw when read: a client could hand over a Proxy or a getter.
const trap = { get() { throw new Error('proxy trap'); } };
const THROWING = [
  () => new Proxy([], trap),
  () => new Proxy({}, trap),
  () => new Proxy(Buffer.from('x'), trap),
  () => new Proxy(new Error('ERR x'), trap),
  () => Object.defineProperty(new Error('ERR x'), 'message', { get() { throw new Error('getter'); } }),
  () => new Proxy([Buffer.from('a')], { get(target, key) { if (key === '0') throw new Error('element'); return target[key]; } }),
];

function junk(rand, depth = 0) {
  const pick = Math.floor(rand() * 15);
  switch (pick) {
    case 0: return null;
    case 1: return undefined;
    case 2: return Math.floor(rand() * 2 ** 40) - 2 ** 39;
    case 3: return rand() < 0.5 ? NaN : Infinity;
    case 4: return 'x'.repeat(Math.floor(rand() * 4));
    case 5: return Buffer.from([0xff, 0xfe, Math.floor(rand() * 256)]);
    case 6: return rand() < 0.5;
    case 7: return { a: 1 };
    case 8: return new Map([['k', 'v']]);
    case 9: return Symbol('s');
    case 10: return 10n ** 30n;
    case 11: return Object.assign(new Error('ERR junk'), { name: 'ReplyError' });
    case 12: return THROWING[Math.floor(rand() * THROWING.length)]();
    default:
      if (depth > 2) return [];
      return Array.from({ length: Math.floor(rand() * 5) }, () => junk(rand, depth + 1));
  }
}

const OPERATIONS = [
  (s) => s.add('a'), (s) => s.addMany(['a', 'b']), (s) => s.pop(), (s) => s.take(3), (s) => s.peek(),
  (s) => s.peekScore(), (s) => s.score('a'), (s) => s.has('a'), (s) => s.len(), (s) => s.clear(),
  (s) => s.discard('a'), (s) => s.claim(2, 1000), (s) => s.stats(), (s) => s.recover(),
  (s) => s.inFlight(), (s) => s.deadLetters(), (s) => s.purgeDead(), (s) => s.popWait(1),
  (s) => s.claimWait(1, 1000, 1),
];

test('every operation, fed junk replies, rejects with a typed error or resolves', async () => {
  const rand = random(12345);
  let sane = false; // at the end: a reply that makes sense, to see the set still works
  const execute = async () => {
    if (sane) return 3;
    const reply = junk(rand);
    if (reply instanceof Error) throw reply;
    if (rand() < 0.05) throw new TypeError('the client broke');
    return reply;
  };
  const untyped = [];
  let calls = 0;
  for (const Kind of [SortedSet, ScheduledSet]) {
    const set = new Kind(execute, 'jobs', { logger: () => {} });
    for (let round = 0; round < 60; round++) {
      for (const op of OPERATIONS) {
        calls++;
        await op(set).catch((err) => {
          if (!(err instanceof RedsetError)) untyped.push(`${err?.name}: ${err?.message}`);
        });
      }
    }
    sane = true;
    assert.equal(await set.len(), 3, 'the set still works after the junk');
    sane = false;
  }
  assert.deepEqual(untyped, [], `${untyped.length} of ${calls} calls rejected untyped`);
});
