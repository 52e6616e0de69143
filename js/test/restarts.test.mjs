// Fault test: a durable redis-server (appendfsync always) SIGKILLed and restarted three
// times under a producer, a popping consumer and a claiming consumer, on ioredis (with
// autoResendUnfulfilledCommands: false, as the README advises) and on node-redis.
// Counted: items lost and duplicated, and errors by class. A pop may lose an item only
// with a rejection that says so (its connection failed: the outcome is unknown); claims
// lose nothing; the producer retries failed adds under a dedup window, adding nothing
// twice.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { ConnectionError, KeyError, LeaseLost, SortedSet, TimeoutError } from '../../pkg/index.mjs';
import { startRedis } from './helpers.mjs';

const require = createRequire(import.meta.url);
const ITEMS = 600;

let server;
before(async () => { server = await startRedis({ durable: true }); });
after(async () => { await server.stop(); });

const CLIENTS = {
  'ioredis 6': async () => {
    const Redis = require('ioredis');
    const client = new Redis({ path: server.socket, autoResendUnfulfilledCommands: false, maxRetriesPerRequest: null });
    client.on('error', () => {});
    return { client, close: () => client.disconnect() };
  },
  'node-redis 6': async () => {
    const { createClient } = require('redis');
    const client = createClient({ socket: { path: server.socket, reconnectStrategy: () => 50 } });
    client.on('error', () => {});
    await client.connect();
    return { client, close: () => client.destroy() };
  },
};

const tally = () => ({ seen: new Map(), errors: {}, unknown: new Set() });
const count = (t, err) => { const name = err?.constructor?.name ?? 'other'; t.errors[name] = (t.errors[name] ?? 0) + 1; };
const saw = (t, item) => t.seen.set(item, (t.seen.get(item) ?? 0) + 1);

for (const [clientName, connect] of Object.entries(CLIENTS)) {
  test(`restarts under load on ${clientName}: pops lose only what a rejection announced, claims nothing`, { timeout: 120000 }, async () => {
    const conns = await Promise.all([connect(), connect(), connect()]);
    const [p, c, l] = conns.map((conn) => conn.client);
    const tag = clientName.replace(/\W/g, '');
    const producerPops = new SortedSet(p, `${tag}:pops`, { dedupWindow: 600000, timeout: 2000 });
    const producerLeases = new SortedSet(p, `${tag}:leases`, { dedupWindow: 600000, timeout: 2000 });
    // A reply that never comes (a command in flight when the server died) is a
    // TimeoutError after 2 s, never a hang.
    const pops = new SortedSet(c, `${tag}:pops`, { blockingWaits: false, timeout: 2000 });
    const leases = new SortedSet(l, `${tag}:leases`, { blockingWaits: false, timeout: 2000 });
    const popped = tally();
    const acked = tally();
    const produced = tally();
    let done = false;
    const deadline = Date.now() + 60000;

    const produce = async () => {
      for (let i = 0; i < ITEMS; i++) {
        for (const set of [producerPops, producerLeases]) {
          for (;;) {
            try {
              await set.add(String(i), i);
              break;
            } catch (err) {
              count(produced, err);
              await sleep(20);
            }
          }
        }
      }
      done = true;
    };
    const pop = async () => {
      while (Date.now() < deadline) {
        try {
          saw(popped, Number(await pops.pop()));
        } catch (err) {
          if (err instanceof KeyError) {
            if (done) return;
            await sleep(5);
          } else {
            count(popped, err);
            await sleep(20);
          }
        }
      }
    };
    const claim = async () => {
      while (Date.now() < deadline) {
        let claimed;
        try {
          claimed = await leases.claim(5, 1000);
        } catch (err) {
          count(acked, err);
          await sleep(20);
          continue;
        }
        if (claimed.length === 0) {
          const stats = await leases.stats().catch(() => null);
          if (done && stats !== null && stats.waiting + stats.inFlight === 0) return;
          await sleep(5);
          continue;
        }
        for (const lease of claimed) {
          try {
            await leases.ack(lease);
            saw(acked, Number(lease.item));
          } catch (err) {
            count(acked, err);
            // Outcome unknown: a repeated ack whose first try took effect says LeaseLost;
            // an ack in flight when the server died (it may have taken effect, and been
            // made durable, before its reply was lost) is a ConnectionError, or with
            // ioredis a TimeoutError that says so (mayHaveTakenEffect).
            if (err instanceof LeaseLost || err instanceof ConnectionError || (err instanceof TimeoutError && err.mayHaveTakenEffect)) {
              acked.unknown.add(Number(lease.item));
            }
          }
        }
      }
    };
    const restarts = (async () => {
      for (let i = 0; i < 3; i++) {
        await sleep(300);
        await server.restart();
      }
    })();
    await Promise.all([produce(), pop(), claim(), restarts]);

    const lost = (t) => Array.from({ length: ITEMS }, (_, i) => i).filter((i) => !t.seen.has(i) && !t.unknown.has(i)).length;
    const duplicated = (t) => [...t.seen.values()].filter((n) => n > 1).length;
    const popFailures = (popped.errors.ConnectionError ?? 0) + (popped.errors.TimeoutError ?? 0);
    console.log(`${clientName}, 3 restarts, ${ITEMS} items: pop lost ${lost(popped)} / duplicated ${duplicated(popped)} / errors ${JSON.stringify(popped.errors)}; ` +
      `claim+ack lost ${lost(acked)} / acked twice ${duplicated(acked)} / errors ${JSON.stringify(acked.errors)}; producer errors ${JSON.stringify(produced.errors)}`);
    assert.equal(duplicated(popped), 0, 'a pop handed an item out twice');
    assert.ok(lost(popped) <= popFailures, `${lost(popped)} lost, only ${popFailures} pops failed`);
    assert.equal(lost(acked), 0, 'a leased item was lost');
    assert.equal(duplicated(acked), 0, 'an item was acked twice');
    const end = await leases.stats();
    assert.deepEqual([end.waiting, end.inFlight, end.dead], [0, 0, 0]);
    await Promise.all(conns.map((conn) => conn.close()));
  });
}
