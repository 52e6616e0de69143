// The package against a real redis-server, once per client of the matrix: the same
// behaviour list as the Rust tests.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  ConnectionError, JsonSerializer, KeyError, LockTimeout, ReplyError, ScheduledSet, SerializerError, SortedSet, TimeSortedSet,
} from '../../pkg/index.mjs';
import { CLIENTS, now, startRedis } from './helpers.mjs';

let server;
before(async () => { server = await startRedis(); });
after(async () => { await server.stop(); });

for (const { name: clientName, connect } of CLIENTS) {
  describe(clientName, () => {
    let conn;
    let n = 0;
    // A fresh key per test, so tests share the server without sharing state.
    const key = (what) => `${clientName}:${what}:${++n}`;
    before(async () => { conn = await connect(server.socket); });
    after(async () => { await conn.close(); });

    test('add: default 0, explicit scores (0 kept), scorer, re-add updates', async () => {
      const set = new SortedSet(conn.client, key('add'));
      assert.equal(await set.add('a'), 0);
      assert.equal(await set.add('b', 2.5), 2.5);
      assert.equal(await set.add('a', 7), 7);
      assert.equal(await set.len(), 2);
      assert.equal(await set.score('a'), 7);
      assert.equal(await set.score('missing'), null);
      const scored = new SortedSet(conn.client, key('scored'), { scorer: (w) => w.length });
      assert.equal(await scored.add('four'), 4);
      assert.equal(await scored.add('zero', 0), 0);
      assert.equal(await scored.score('zero'), 0);
      await assert.rejects(set.add('x', 'high'), TypeError);
    });

    test('the key is the name; members are the serialized bytes', async () => {
      const name = key('exact');
      const set = new SortedSet(conn.client, name, { serializer: new JsonSerializer() });
      await set.add({ id: 1, url: 'a' }, 1);
      assert.deepEqual((await conn.raw('ZRANGE', name, '0', '-1')).map(String), ['{"id":1,"url":"a"}']);
      assert.equal(Number(await conn.raw('ZSCORE', name, '{"id":1,"url":"a"}')), 1);
      assert.equal(set.name, name);
      assert.equal(String(set), `SortedSet(${JSON.stringify(name)})`);
    });

    test('pop: lowest first; empty rejects with KeyError naming the set', async () => {
      const name = key('pop');
      const set = new SortedSet(conn.client, name);
      await set.add('late', 3);
      await set.add('early', -1);
      await set.add('middle', 1);
      assert.equal(await set.pop(), 'early');
      assert.equal(await set.pop(), 'middle');
      assert.equal(await set.pop(), 'late');
      const err = await set.pop().catch((e) => e);
      assert.ok(err instanceof KeyError);
      assert.equal(err.name, 'KeyError');
      assert.ok(err.message.includes(name), err.message);
      await assert.rejects(set.peek(), KeyError);
    });

    test('"" and "0" are items; non-strings are cast with String()', async () => {
      const set = new SortedSet(conn.client, key('falsy'));
      await set.add('', 1);
      await set.add('0', 2);
      await set.add(42, 3);
      assert.equal(await set.has(''), true);
      assert.equal(await set.peek(), '');
      assert.equal(await set.pop(), '');
      assert.deepEqual(await set.take(5), ['0', '42']);
    });

    test('undecodable items are removed, logged, null from pop and dropped from take', async () => {
      const name = key('bad');
      const logged = [];
      const set = new SortedSet(conn.client, name, {
        serializer: new JsonSerializer(),
        logger: (message, details) => logged.push({ message, details }),
      });
      await conn.raw('ZADD', name, '0', 'not json');
      await set.add({ ok: 1 }, 1);
      assert.equal(await set.pop(), null);
      assert.equal(await set.len(), 1);
      await conn.raw('ZADD', name, '0', '{broken');
      assert.deepEqual(await set.take(10), [{ ok: 1 }]);
      assert.equal(logged.length, 2);
      assert.equal(logged[0].details.set, name);
      assert.match(logged[0].message, /failed to deserialize/);
      assert.equal(Buffer.from(logged[0].details.raw).toString(), 'not json');
    });

    test('take of strings: any text, each item whole; a member not UTF-8 logged and dropped', async () => {
      // A strings set's take is made as one string and cut by the core's offsets: check
      // the cuts with multi-byte text, astral characters (two UTF-16 units), empty items.
      for (const Kind of [SortedSet, ScheduledSet]) {
        const name = key('take-text');
        const logged = [];
        const set = new Kind(conn.client, name, { logger: (message, details) => logged.push(details) });
        const items = ['', 'é', '日本語', '🚀x🚀', 'a'.repeat(300), 'plain', ''.padEnd(3, '€')];
        for (let i = 0; i < items.length; i++) await set.add(items[i], i);
        // Not UTF-8, written by the server itself (some clients' raw commands take strings).
        await conn.raw('EVAL', "return redis.call('ZADD', KEYS[1], 3.5, 'a' .. string.char(255) .. 'b')", '1', name);
        assert.deepEqual(await set.take(100), [...new Set(items)], Kind.name);
        assert.equal(logged.length, 1, Kind.name);
        assert.deepEqual([...logged[0].raw], [0x61, 0xff, 0x62]);
        assert.equal(await set.len(), 0);
        // A pop's item, made in JS from the member's bytes, is as whole: a leading BOM too.
        for (const item of ['\uFEFFbom', '🚀', '', 'é']) {
          await set.add(item, 1);
          assert.equal(await set.pop(), item, Kind.name);
        }
        await conn.raw('EVAL', "return redis.call('ZADD', KEYS[1], 1, string.char(255))", '1', name);
        assert.equal(await set.pop(), null, Kind.name);
        assert.equal(logged.length, 2, Kind.name);
      }
    });

    test('take: replies of every size whole, one after another (the reply bytes are copied through scratch space)', async () => {
      const set = new SortedSet(conn.client, key('take-sizes'));
      // Around the lengths copied by hand (32), multi-byte at the edge, and a reply
      // larger than the scratch space kept (64 KiB), then small ones again.
      const edge = ['x'.repeat(31), 'y'.repeat(32), 'z'.repeat(33), 'é'.repeat(16), 'é'.repeat(17), '🚀'.repeat(8)];
      const big = Array.from({ length: 1000 }, (_, i) => `${String(i).padStart(4, '0')}${'b'.repeat(196)}`);
      for (const [i, item] of edge.entries()) await set.add(item, i);
      assert.deepEqual(await set.take(100), edge);
      await set.addMany(big, { scores: big.map((_, i) => 10 + i) });
      assert.deepEqual(await set.take(1000), big);
      await set.add('s', 1);
      await set.add('t', 2);
      assert.deepEqual(await set.take(5), ['s', 't']);
    });

    test('JSON items that are true, numbers or strings pop and take as themselves', async () => {
      const set = new SortedSet(conn.client, key('json-values'), { serializer: new JsonSerializer() });
      const items = [true, false, 0, 'true', null, [1], { a: 'b' }];
      for (let i = 0; i < items.length; i++) await set.add(items[i], i);
      assert.equal(await set.pop(), true);
      assert.equal(await set.pop(), false);
      assert.equal(await set.pop(), 0);
      assert.equal(await set.pop(), 'true');
      assert.deepEqual(await set.take(10), [null, [1], { a: 'b' }]);
    });

    test('take: ordered, bounded, take(0) takes nothing', async () => {
      const set = new SortedSet(conn.client, key('take'));
      for (let i = 9; i >= 0; i--) await set.add(String(i), i);
      assert.deepEqual(await set.take(0), []);
      assert.equal(await set.len(), 10);
      assert.deepEqual(await set.take(3), ['0', '1', '2']);
      assert.deepEqual(await set.take(100), ['3', '4', '5', '6', '7', '8', '9']);
      assert.deepEqual(await set.take(5), []);
      assert.deepEqual(await set.take(-1), []); // as in the original: num < 1 gives []
      await assert.rejects(set.take(NaN), RangeError);
      await assert.rejects(set.take('3'), TypeError);
    });

    test('take(100000) in one call, sorted and scheduled', async () => {
      for (const Kind of [SortedSet, ScheduledSet]) {
        const name = key('big');
        for (let start = 0; start < 100000; start += 10000) {
          const args = [];
          for (let i = start; i < start + 10000; i++) args.push(String(i), String(i));
          await conn.raw('ZADD', name, ...args);
        }
        const got = await new Kind(conn.client, name).take(100000);
        assert.equal(got.length, 100000);
        assert.equal(got[0], '0');
        assert.equal(got[99999], '99999');
      }
    });

    test('peek(position) and peekScore remove nothing', async () => {
      const set = new SortedSet(conn.client, key('peek'));
      assert.equal(await set.peekScore(), null);
      await set.add('b', 2);
      await set.add('a', 1);
      assert.equal(await set.peek(), 'a');
      assert.equal(await set.peek(1), 'b');
      const err = await set.peek(2).catch((e) => e);
      assert.ok(err instanceof KeyError);
      assert.equal(err.position, 2);
      assert.equal(await set.peekScore(), 1);
      assert.equal(await set.len(), 2);
    });

    test('has, discard, clear, len', async () => {
      const set = new SortedSet(conn.client, key('misc'));
      assert.equal(await set.clear(), false);
      await set.add('x');
      await set.add('y');
      assert.equal(await set.has('x'), true);
      assert.equal(await set.has('z'), false);
      assert.equal(await set.discard('x'), true);
      assert.equal(await set.discard('x'), false);
      assert.equal(await set.len(), 1);
      assert.equal(await set.clear(), true);
      assert.equal(await set.len(), 0);
    });

    test('NaN rejected before sending; ±Infinity round-trip', async () => {
      const name = key('scores');
      const set = new SortedSet(conn.client, name);
      await assert.rejects(set.add('nan', NaN), RangeError);
      await assert.rejects(new SortedSet(conn.client, name, { scorer: () => NaN }).add('x'), RangeError);
      assert.equal(await set.len(), 0);
      await set.add('top', Infinity);
      await set.add('bottom', -Infinity);
      assert.equal(await set.score('top'), Infinity);
      assert.equal(await set.peekScore(), -Infinity);
      for (const score of [1e-300, 0.1 + 0.2, 1732391234.123456, Number.MAX_VALUE]) {
        await set.add('exact', score);
        assert.equal(await set.score('exact'), score);
      }
    });

    test('a key of another type rejects with the server\'s WRONGTYPE error', async () => {
      const name = key('plain');
      await conn.raw('SET', name, 'v');
      for (const set of [new SortedSet(conn.client, name), new ScheduledSet(conn.client, name)]) {
        const err = await set.pop().catch((e) => e);
        assert.ok(err instanceof ReplyError && err instanceof Error);
        assert.equal(err.code, 'WRONGTYPE');
        assert.match(err.message, /WRONGTYPE Operation against a key/);
      }
    });

    test('a throwing serializer rejects add and sends nothing', async () => {
      const name = key('ser');
      const boom = new Error('cannot serialize');
      const set = new SortedSet(conn.client, name, { serializer: { dumps() { throw boom; }, loads: (s) => s } });
      const err = await set.add('x').catch((e) => e);
      assert.ok(err instanceof SerializerError);
      assert.equal(err.cause, boom);
      assert.equal(Number(await conn.raw('EXISTS', name)), 0);
    });

    test('TimeSortedSet is FIFO by add time', async () => {
      const set = new TimeSortedSet(conn.client, key('fifo'));
      const before = now();
      const first = await set.add('first');
      const second = await set.add('second');
      assert.ok(Math.abs(first - before) < 5 && second > first);
      assert.deepEqual(await set.take(5), ['first', 'second']);
      assert.equal(await set.add('epoch', 0), 0);
      assert.ok(set instanceof SortedSet);
    });

    test('ScheduledSet hands out only due items; survives SCRIPT FLUSH', async () => {
      const set = new ScheduledSet(conn.client, key('sched'));
      const t = now();
      await set.add('future', t + 3600);
      await set.add('due-2', t - 1);
      await set.add('due-1', t - 2);
      await set.add('due-now');
      assert.equal(await set.len(), 4);
      assert.equal(await set.available(), 3);
      assert.equal(await set.peek(), 'due-1');
      assert.equal(await set.peek(2), 'due-now');
      await assert.rejects(set.peek(3), KeyError);
      assert.equal(await set.peekScore(), t - 2);
      await conn.raw('SCRIPT', 'FLUSH');
      assert.equal(await set.pop(), 'due-1');
      assert.deepEqual(await set.take(10), ['due-2', 'due-now']);
      await assert.rejects(set.pop(), KeyError);
      assert.equal(await set.has('future'), true);
      assert.equal(await set.available(), 0);
    });

    test("ScheduledSet honours the original redset's lock: waits, times out, ignores an expired one", async () => {
      const name = key('locked');
      const lock = `${name}__lock`;
      const set = new ScheduledSet(conn.client, name, { lockTimeout: 0.15 });
      await set.add('due', now() - 1);
      await conn.raw('SET', lock, String(now() - 5)); // expired: ignored
      assert.equal(await set.pop(), 'due');
      await set.add('due', now() - 1);
      await conn.raw('SET', lock, String(now() + 20)); // held
      let started = Date.now();
      const err = await set.take(5).catch((e) => e);
      assert.ok(err instanceof LockTimeout, String(err));
      assert.equal(err.lock, lock);
      assert.ok(Date.now() - started >= 140);
      assert.equal(await set.len(), 1, 'nothing was taken');
      setTimeout(() => conn.raw('DEL', lock), 60);
      started = Date.now();
      assert.equal(await set.pop(), 'due');
      assert.ok(Date.now() - started >= 50);
      await conn.raw('SET', lock, String(now() + 20));
      await set.add('due', now() - 1);
      assert.equal(await new ScheduledSet(conn.client, name, { originalLock: false }).pop(), 'due');
      assert.equal(Number(await conn.raw('EXISTS', lock)), 1, 'redset never writes the lock');
      await conn.raw('DEL', lock);
    });

    test('addMany: scorer or explicit scores, chunks, conditions; a bad batch sends nothing', async () => {
      const words = new SortedSet(conn.client, key('words'), { scorer: (w) => w.length });
      assert.equal(await words.addMany(['a', 'bbb', 'cc']), 3);
      assert.deepEqual(await words.take(3), ['a', 'cc', 'bbb']);
      const many = Array.from({ length: 12345 }, (_, i) => String(i));
      assert.equal(await words.addMany(many), 12345);
      assert.equal(await words.len(), 12345);
      const set = new SortedSet(conn.client, key('scored'));
      await set.addMany(['a', 'b'], { scores: [5, 5] });
      assert.equal(await set.addMany(['a', 'c'], { scores: [1, 1], condition: 'nx' }), 1);
      assert.equal(await set.score('a'), 5);
      assert.equal(await set.addMany(['a', 'd'], { scores: [2, 2], condition: 'xx', changed: true }), 1);
      assert.equal(await set.has('d'), false);
      assert.equal(await set.addMany(['a', 'b'], { scores: [1, 9], condition: 'gt', changed: true }), 1);
      assert.equal(await set.addMany(['b', 'c'], { scores: [0.5, 7], condition: 'lt', changed: true }), 1);
      assert.deepEqual([await set.score('a'), await set.score('b'), await set.score('c')], [2, 0.5, 1]);
      await assert.rejects(set.addMany(['x', 'y'], { scores: [1, NaN] }), RangeError);
      assert.equal(await set.has('x'), false);
      await assert.rejects(set.addMany(['x'], { scores: [1, 2] }), RangeError);
      await assert.rejects(set.addMany(['x'], { condition: 'maybe' }), TypeError);
      await assert.rejects(set.addMany(['x'], { changed: 'yes' }), {
        name: 'TypeError',
        message: 'addMany(options): invalid type: string "yes", expected a boolean',
      });
      await assert.rejects(set.addMany('x'), TypeError);
      const picky = new SortedSet(conn.client, key('picky'), {
        serializer: { dumps: (s) => { if (s === 'bad') throw new Error('no'); return s; }, loads: (s) => s },
      });
      await assert.rejects(picky.addMany(['ok', 'bad']), SerializerError);
      assert.equal(await picky.len(), 0);
      assert.equal(await picky.addMany([]), 0);
    });

    test('popWait / takeWait: at once, on a late add, when due, and KeyError / [] at the timeout', async () => {
      const set = new SortedSet(conn.client, key('waits'));
      await set.add('a');
      assert.equal(await set.popWait(5000), 'a');
      let started = Date.now();
      await assert.rejects(set.popWait(250), KeyError);
      assert.ok(Date.now() - started >= 240);
      setTimeout(() => set.add('late'), 200);
      started = Date.now();
      assert.deepEqual(await set.takeWait(5, 5000), ['late']);
      assert.ok(Date.now() - started < 3000);
      assert.deepEqual(await set.takeWait(5, 100), []);
      const sched = new ScheduledSet(conn.client, key('waits-sched'));
      const due = now() + 0.3;
      await sched.add('soon', due);
      assert.equal(await sched.popWait(3000), 'soon');
      const late = now() - due;
      assert.ok(late >= 0 && late < 0.5, `late by ${late}`); // loose: a loaded CI machine
      await assert.rejects(set.popWait('1'), TypeError);
      await assert.rejects(set.popWait(-1), RangeError);
    });

    test('binary members from a custom serializer are stored byte for byte', async () => {
      const name = key('bin');
      const bytes = { dumps: (b) => b, loads: (m) => (typeof m === 'string' ? Buffer.from(m) : m) };
      const set = new SortedSet(conn.client, name, { serializer: bytes });
      const item = new Uint8Array([0, 255, 13, 10, 36]);
      await set.add(item);
      assert.equal(await set.has(item), true);
      assert.deepEqual([...(await set.pop())], [...item]);
    });

    test('scores at the edges of a double: take, pop and has read past them, and score() gives each exactly', async () => {
      // Among them, values a RESP3 client decoding doubles digit by digit gets wrong
      // (node-redis 5): score() must not, whatever take and pop are given.
      const scores = [-Infinity, -1.7976931348623157e308, -0.1, 0, 5e-324, 0.3, 0.30000000000000004, 8275.35,
        12345.6789, 1.7976931348623157e308, Infinity];
      const set = new SortedSet(conn.client, key('edges'));
      for (let i = 0; i < scores.length; i++) await set.add(`m${i}`, scores[i]);
      for (let i = 0; i < scores.length; i++) assert.equal(await set.score(`m${i}`), scores[i], `m${i}`);
      assert.deepEqual(await set.take(4), ['m0', 'm1', 'm2', 'm3']);
      assert.equal(await set.pop(), 'm4');
      assert.equal(await set.has('m5'), true);
      assert.deepEqual(await set.take(10), ['m5', 'm6', 'm7', 'm8', 'm9', 'm10']);
    });

    if (clientName.startsWith('node-redis')) {
      /**
       * A connected duplicate of the suite's client (with `overrides`), the names of the
       * commands sent through the `withTypeMapping` proxies it makes, and each with
       * whether its proxy has RESP3 doubles as text.
       */
      const ownClient = async (overrides) => {
        const client = conn.client.duplicate(overrides);
        client.on('error', () => {});
        await client.connect();
        const proxied = [];
        const doublesAsText = [];
        if (typeof client.withTypeMapping === 'function') {
          const withTypeMapping = client.withTypeMapping.bind(client);
          client.withTypeMapping = (mapping) => {
            const proxy = withTypeMapping(mapping);
            const send = proxy.sendCommand.bind(proxy);
            proxy.sendCommand = (...args) => {
              const name = String(args.flat()[0]);
              proxied.push(name);
              doublesAsText.push([name, mapping[44] === String]);
              return send(...args);
            };
            return proxy;
          };
        }
        return { client, proxied, doublesAsText };
      };

      if (clientName.startsWith('node-redis 6')) {
        test('node-redis 6: take, pop and has, which only check scores, have them as numbers; score() as text', async () => {
          // node-redis makes a double's text at about 0.3 µs a score (issue 20).
          const { client, doublesAsText } = await ownClient();
          try {
            const set = new SortedSet(client, key('doubles'));
            await set.add('warm', 0); // sent beside the PING that finds the proxies
            for (let i = 0; i < 4; i++) await set.add(`m${i}`, i + 0.5);
            doublesAsText.length = 0;
            assert.deepEqual(await set.take(2), ['warm', 'm0']);
            assert.equal(await set.pop(), 'm1');
            assert.equal(await set.has('m2'), true);
            assert.equal(await set.score('m2'), 2.5);
            assert.deepEqual(doublesAsText, [['ZPOPMIN', false], ['ZPOPMIN', false], ['ZSCORE', false], ['ZSCORE', true]]);
          } finally {
            await client.quit();
          }
        });
      }

      test('node-redis: binary-safe on the first command and after the commands move to a type-mapping proxy', async () => {
        // A client of its own, so that its first command is the set's.
        const { client, proxied } = await ownClient();
        try {
          const bytes = { dumps: (b) => b, loads: (m) => m };
          const set = new SortedSet(client, key('proxy'), { serializer: bytes });
          const items = [0, 1, 2, 3].map((i) => new Uint8Array([i, 255, 0xc3]));
          await set.add(items[0], 0); // sent with its options, beside the PING
          for (let i = 1; i < items.length; i++) await set.add(items[i], i);
          for (const item of items) assert.deepEqual([...(await set.pop())], [...item]);
          // v6 keeps a proxy's type mapping in sendCommand: the rest went through it. v5
          // drops it (its PING came back as text) and v4 has none: options on each call.
          const major = clientName.match(/node-redis (\d)/)[1];
          if (major === '6') assert.ok(proxied.length > 1 && proxied.includes('ZPOPMIN'), proxied.join());
          else if (major === '5') assert.deepEqual(proxied, ['PING']);
          else assert.deepEqual(proxied, []);
          // A client whose proxies throw keeps its options on each command.
          const { client: bare } = await ownClient();
          bare.withTypeMapping = () => { throw new Error('no proxies here'); };
          try {
            const other = new SortedSet(bare, key('no-proxy'), { serializer: bytes });
            for (const item of items) await other.add(item);
            for (const item of items) assert.deepEqual([...(await other.pop())], [...item]);
          } finally {
            await bare.quit();
          }
        } finally {
          await client.quit();
        }
      });

      test('node-redis: a user whose ACL denies PING is asked once, and its commands keep their options', async () => {
        const user = `redset-no-ping-${clientName.replace(/\W+/g, '-')}`;
        await conn.raw('ACL', 'SETUSER', user, 'on', '>secret', '~*', '&*', '+@all', '-ping');
        const { client, proxied } = await ownClient({ username: user, password: 'secret' });
        try {
          const set = new SortedSet(client, key('acl'), { serializer: { dumps: (b) => b, loads: (m) => m } });
          const items = [0, 1, 2, 3, 4, 5].map((i) => new Uint8Array([i, 255]));
          for (let i = 0; i < items.length; i++) await set.add(items[i], i);
          for (const item of items) assert.deepEqual([...(await set.pop())], [...item]);
          const asked = typeof client.withTypeMapping === 'function' ? ['PING'] : [];
          assert.deepEqual(proxied, asked);
        } finally {
          await client.quit();
          await conn.raw('ACL', 'DELUSER', user);
        }
      });
    }
  });
}

test('an execute function that rejects rejects the operation with its error as cause', async () => {
  const boom = new Error('socket closed');
  const set = new SortedSet(async () => { throw boom; }, 'x');
  const err = await set.len().catch((e) => e);
  assert.ok(err instanceof ConnectionError);
  assert.equal(err.cause, boom);
});

test('a plain execute function that returns values directly works', async () => {
  const seen = [];
  const set = new SortedSet((args) => { seen.push(args.map(String)); return 3; }, 'plain');
  assert.equal(await set.len(), 3);
  assert.deepEqual(seen, [['ZCARD', 'plain']]);
});

test('a take reads every member of a reply as its bytes: strings and Buffers, non-ASCII, a lone surrogate, past the scratch space', async () => {
  const long = 'ü'.repeat(3000); // 6000 bytes of UTF-8: more than the scratch space kept
  const members = ['plain', 'naïve', '日本', '🎉', long, 'x'.repeat(40), 'lone \ud800', Buffer.from('bytes'), Buffer.from('b'.repeat(50))];
  for (const width of [1, 2]) {
    // RESP2's flat [member, score, …] and RESP3's [[member, score], …], scores as text.
    const reply = width === 1
      ? members.flatMap((m, i) => [m, String(i)])
      : members.map((m, i) => [m, String(i)]);
    const set = new SortedSet(async () => reply, 'shapes');
    const expected = members.map((m) => (typeof m === 'string' ? new TextDecoder().decode(new TextEncoder().encode(m)) : m.toString()));
    assert.deepEqual(await set.take(members.length), expected);
  }
});

test("a client's reply is emptied once decoded; an execute function's is left as it is", async () => {
  // The client still holds its reply after the operation ends: emptied, a drain's
  // replies no longer outlive V8's young-generation GCs (issue 20).
  const conn = await CLIENTS[0].connect(server.socket);
  try {
    const replies = [];
    const { callBuffer } = conn.client;
    conn.client.callBuffer = function (...args) {
      const reply = callBuffer.apply(this, args);
      reply.then((value) => replies.push(value), () => {});
      return reply;
    };
    const set = new SortedSet(conn.client, 'emptied');
    await set.add('a', 1);
    await set.add('b', 2);
    assert.deepEqual(await set.take(5), ['a', 'b']);
    assert.deepEqual(replies.at(-1), []);
  } finally {
    await conn.close();
  }
  const kept = [Buffer.from('x'), Buffer.from('1'), Buffer.from('y'), Buffer.from('2')];
  const set = new SortedSet(async () => kept, 'kept');
  assert.deepEqual(await set.take(5), ['x', 'y']);
  assert.deepEqual(await set.take(5), ['x', 'y']);
  assert.equal(kept.length, 4);
});

test('has and score send each item as its member: a well-formed string as it is, any other as the core makes it', async () => {
  const sent = [];
  const members = new Map([['a', '1'], ['b', '2.5'], ['\ufffd', '3'], ['7', '4'], ['jobs', '5']]);
  const execute = (args) => {
    sent.push(args.slice());
    return members.has(args[2]) ? Buffer.from(members.get(args[2])) : null;
  };
  const set = new SortedSet(execute, 'jobs');
  // The first command comes from the core; the rest reuse it with the item put in.
  assert.equal(await set.has('a'), true);
  assert.equal(await set.score('b'), 2.5);
  assert.equal(await set.has('b'), true);
  assert.equal(await set.score('jobs'), 5);
  assert.equal(await set.has('zz'), false);
  // A lone surrogate's member is U+FFFD, as the core makes it; a number's its text.
  assert.equal(await set.score('\ud800'), 3);
  assert.equal(await set.has(7), true);
  assert.equal(await set.score('a'), 1);
  assert.deepEqual(sent.map((args) => args.map(String)), [
    ['ZSCORE', 'jobs', 'a'], ['ZSCORE', 'jobs', 'b'], ['ZSCORE', 'jobs', 'b'], ['ZSCORE', 'jobs', 'jobs'],
    ['ZSCORE', 'jobs', 'zz'], ['ZSCORE', 'jobs', '\ufffd'], ['ZSCORE', 'jobs', '7'], ['ZSCORE', 'jobs', 'a'],
  ]);
  // A set of another serializer sends what its serializer made, every time.
  const json = new SortedSet(execute, 'jobs', { serializer: new JsonSerializer() });
  sent.length = 0;
  await json.has('a');
  await json.has('b');
  assert.deepEqual(sent.map((args) => args[2]), ['"a"', '"b"']);
});

test('add sends each item as its member and its score as the core writes it: a well-formed string put in a kept command, any other item as the core makes it', async () => {
  const sent = [];
  let waits = 0;
  const execute = (args) => {
    sent.push(args.slice());
    return args[0] === 'EXISTS' ? waits : 1;
  };
  const set = new SortedSet(execute, 'jobs');
  // The first ZADD comes from the core; the rest reuse it with the item and score put in.
  assert.equal(await set.add('a', 1), 1);
  assert.equal(await set.add('b', 2.5), 2.5);
  assert.equal(await set.add('jobs'), 0);
  assert.equal(await set.add('c', Infinity), Infinity);
  assert.equal(await set.add('d', -0.1), -0.1);
  assert.equal(await set.add('e', 1e21), 1e21);
  // A lone surrogate's member is U+FFFD, as the core makes it; a number's its text.
  assert.equal(await set.add('\ud800', 3), 3);
  assert.equal(await set.add(7, 4), 4);
  // Bad scores fail before anything is sent, as the operation's do.
  await assert.rejects(set.add('f', NaN), /NaN/);
  await assert.rejects(set.add('f', 'high'), TypeError);
  assert.equal(await set.add('a', 5), 5);
  const zadds = sent.filter((args) => args[0] === 'ZADD').map((args) => args.map(String));
  assert.deepEqual(zadds, [
    ['ZADD', 'jobs', '1', 'a'], ['ZADD', 'jobs', '2.5', 'b'], ['ZADD', 'jobs', '0', 'jobs'], ['ZADD', 'jobs', 'inf', 'c'],
    ['ZADD', 'jobs', '-0.1', 'd'], ['ZADD', 'jobs', '1000000000000000000000', 'e'], ['ZADD', 'jobs', '3', '\ufffd'], ['ZADD', 'jobs', '4', '7'],
    ['ZADD', 'jobs', '5', 'a'],
  ]);
  // A consumer waits: the same add writes the wake-up marker.
  waits = 1;
  sent.length = 0;
  assert.equal(await set.add('g', 6), 6);
  assert.deepEqual(sent.map((args) => String(args[0])), ['ZADD', 'EXISTS', 'ZADD', 'PEXPIRE']);
  assert.deepEqual(sent[2].map(String), ['ZADD', '{jobs}:wake', '0', 'w']);
  waits = 0;
  // A time-sorted set's score is the clock's, as the core writes it.
  const fifo = new TimeSortedSet(execute, 'fifo');
  sent.length = 0;
  const before = now();
  const times = [await fifo.add('a'), await fifo.add('b'), await fifo.add('c', 2)];
  assert.ok(times[0] >= before && times[1] >= times[0] && times[2] === 2, String(times));
  assert.deepEqual(sent.filter((args) => args[0] === 'ZADD').map((args) => Number(args[2])), times);
  // A scorer's score and a serializer's member are the core's, every time.
  const scored = new SortedSet(execute, 'scored', { scorer: (item) => item.length });
  const json = new SortedSet(execute, 'json', { serializer: new JsonSerializer() });
  sent.length = 0;
  assert.equal(await scored.add('abc'), 3);
  assert.equal(await scored.add('abcd'), 4);
  assert.equal(await scored.add('abcde', 1), 1);
  await json.add('a', 1);
  await json.add('b', 2);
  assert.deepEqual(sent.filter((args) => args[0] === 'ZADD').map((args) => args.slice(2).map(String)), [
    ['3', 'abc'], ['4', 'abcd'], ['1', 'abcde'], ['1', '"a"'], ['2', '"b"'],
  ]);
});

test('a take reads RESP3 rows whose scores a client decoded as numbers, and refuses a NaN score', async () => {
  const rows = [['a', 1.5], [Buffer.from('b'), -Infinity], ['ü', 5e-324]];
  assert.deepEqual(await new SortedSet(async () => rows, 'numbers').take(3), ['a', 'b', 'ü']);
  const json = new SortedSet(async () => rows.map(([m, s]) => [JSON.stringify({ m: String(m) }), s]), 'numbers', { serializer: new JsonSerializer() });
  assert.deepEqual(await json.take(3), [{ m: 'a' }, { m: 'b' }, { m: 'ü' }]);
  assert.equal(await new SortedSet(async () => [['a', 2]], 'numbers').pop(), 'a');
  assert.deepEqual(await new SortedSet(async () => [['a', 1], ['b', '2']], 'numbers').take(2), ['a', 'b']);
  for (const bad of [[['a', 1], ['b', NaN]], [['a', 1], ['b']], [['a', 1], [2, 3]]]) {
    const err = await new SortedSet(async () => bad, 'numbers').take(2).catch((e) => e);
    assert.equal(err.name, 'ProtocolError', String(err));
  }
});

test('over ioredis, ZPOPMIN, whose replies it reshapes by its lowercase name, keeps its name; the rest go lowercase', async () => {
  const conn = await CLIENTS.find(({ name }) => name === 'ioredis 6 (RESP3)').connect(server.socket);
  const names = [];
  const { client } = conn;
  const callBuffer = client.callBuffer.bind(client);
  client.callBuffer = (name, ...args) => {
    names.push(String(name));
    return callBuffer(name, ...args);
  };
  try {
    const set = new SortedSet(client, 'names');
    await set.add('a', 1);
    await set.add('b', 2);
    await set.add('c', 3);
    assert.deepEqual(await set.peek(), 'a');
    assert.deepEqual(await set.take(2), ['a', 'b']);
    assert.equal(await set.pop(), 'c');
    // ioredis flattens the RESP3 [member, score] rows of zpopmin, a copy per reply;
    // ZPOPMIN is no name it knows.
    assert.ok(names.includes('ZPOPMIN') && !names.includes('zpopmin'), names.join(' '));
    assert.ok(names.includes('zadd') && names.includes('zrange'), names.join(' '));
  } finally {
    await conn.close();
  }
});

test('a dropped connection rejects with ConnectionError and loses nothing', async () => {
  const own = await startRedis();
  const { connect } = CLIENTS[0];
  const conn = await connect(own.socket);
  const set = new SortedSet(conn.client, 'gone');
  await set.add('kept');
  conn.close();
  await assert.rejects(set.pop(), ConnectionError);
  const again = await connect(own.socket);
  assert.equal(await new SortedSet(again.client, 'gone').len(), 1);
  again.close();
  await own.stop();
});

test('a stuck execute rejects with a TimeoutError that says whether it may take effect', async () => {
  const { TimeoutError } = await import('../../pkg/index.mjs');
  const never = () => new Promise(() => {});
  const set = new SortedSet(never, 'stuck', { timeout: 50 });
  const started = Date.now();
  const popped = await set.pop().catch((e) => e);
  assert.ok(popped instanceof TimeoutError, String(popped));
  assert.ok(Date.now() - started >= 45);
  assert.equal(popped.command, 'ZPOPMIN');
  assert.equal(popped.mayHaveTakenEffect, true);
  const counted = await set.len().catch((e) => e);
  assert.equal(counted.mayHaveTakenEffect, false);
  // The set works on afterwards: the slot of the stuck operation was freed.
  let calls = 0;
  const late = new SortedSet(() => (++calls === 1 ? never() : 7), 'late', { timeout: 20 });
  await assert.rejects(late.len(), TimeoutError);
  assert.equal(await late.len(), 7);
  assert.throws(() => new SortedSet(never, 'x', { timeout: -1 }), RangeError);
});

test('a bad client is a TypeError', () => {
  assert.throws(() => new SortedSet({}, 'x'), TypeError);
  assert.throws(() => new SortedSet(() => null, 42), TypeError);
});
