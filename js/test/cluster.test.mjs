// The package on a real Redis Cluster (3 masters, 3 replicas, loopback): ioredis
// `Cluster` and node-redis `createCluster` (whose sendCommand routes by the first key
// that the core marks on each command), on sets whose slots fall on different masters:
// the document's operations, batches, leases, waits (blocking on a duplicate of the
// cluster client) and the scheduled script.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';

import { KeyError, NotReplicated, ScheduledSet, SortedSet } from '../../pkg/index.mjs';
import { now, startCluster } from './helpers.mjs';

const require = createRequire(import.meta.url);

let cluster;
before(async () => { cluster = await startCluster(); });
after(async () => { await cluster.stop(); });

const CLIENTS = {
  'ioredis 6 Cluster': async () => {
    const { Cluster } = require('ioredis');
    const client = new Cluster(cluster.nodes);
    await new Promise((resolve, reject) => client.once('ready', resolve).once('error', reject));
    return { client, close: () => client.disconnect() };
  },
  'node-redis 6 createCluster': async () => {
    const { createCluster } = require('redis');
    const client = createCluster({ rootNodes: cluster.nodes.map(({ host, port }) => ({ url: `redis://${host}:${port}` })) });
    client.on('error', () => {});
    await client.connect();
    return { client, close: () => client.destroy?.() ?? client.disconnect() };
  },
  'node-redis 4 createCluster': async () => {
    const { createCluster } = require('redis4');
    const client = createCluster({ rootNodes: cluster.nodes.map(({ host, port }) => ({ url: `redis://${host}:${port}` })) });
    client.on('error', () => {});
    await client.connect();
    return { client, close: () => client.disconnect() };
  },
};

// One name per master: the slot ranges of a fresh 3-master cluster are thirds.
const crc16 = (s) => {
  let crc = 0;
  for (const byte of Buffer.from(s)) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
};
// The errors with `code` (CROSSSLOT, MOVED) the nodes have answered so far (INFO
// errorstats, on each node).
const errorsAnswered = async (code) => {
  const Redis = require('ioredis');
  let total = 0;
  for (const node of cluster.nodes) {
    const client = new Redis(node);
    const info = await client.info('errorstats');
    client.disconnect();
    total += Number(new RegExp(`errorstat_${code}:count=(\\d+)`).exec(info)?.[1] ?? 0);
  }
  return total;
};
const namesOnEachMaster = (prefix) => {
  const found = new Map();
  for (let i = 0; found.size < 3; i++) {
    const name = `${prefix}-${i}`;
    const third = Math.min(2, Math.floor(crc16(name) / 5462));
    if (!found.has(third)) found.set(third, name);
  }
  return [...found.values()];
};

for (const [clientName, connect] of Object.entries(CLIENTS)) {
  describe(clientName, () => {
    let conn;
    before(async () => { conn = await connect(); });
    after(async () => { await conn.close(); });

    test('every operation on sets spread over the masters', async () => {
      for (const name of namesOnEachMaster(`${clientName.replace(/\W/g, '')}-jobs`)) {
        const set = new SortedSet(conn.client, name, { dedupWindow: 60000 });
        assert.equal(await set.add('b', 2), 2);
        assert.equal(await set.addMany(['a', 'c', 'c']), 2);
        assert.equal(await set.len(), 3);
        assert.equal(await set.peek(), 'a');
        assert.equal(await set.pop(), 'a');
        assert.deepEqual(await set.take(10), ['c', 'b']);
        await assert.rejects(set.pop(), KeyError);
        await set.addMany(['x', 'y']);
        const leases = await set.claim(2, 30000);
        assert.equal(leases.length, 2);
        await set.ack(leases[0]);
        await set.retry(leases[1], { delay: 0 });
        const [again] = await set.claimWait(1, 30000, 2000);
        assert.deepEqual([again.item, again.deliveries], ['y', 2]);
        await set.ack(again);
        const stats = await set.stats();
        assert.deepEqual([stats.waiting, stats.inFlight, stats.dead], [0, 0, 0]);
        setTimeout(() => set.add('late'), 100);
        assert.equal(await set.popWait(3000), 'late');
        await set.add('z');
        assert.equal(await set.clear(), true);
      }
      for (const name of namesOnEachMaster(`${clientName.replace(/\W/g, '')}-retries`)) {
        const set = new ScheduledSet(conn.client, name, { clock: 'server' });
        await set.add('later', now() + 3600);
        await set.add('due', now() - 1);
        assert.equal(await set.available(), 1);
        assert.equal(await set.pop(), 'due');
        await set.add('soon', now() + 0.3);
        assert.equal(await set.popWait(3000), 'soon');
        assert.deepEqual(await set.claim(5, 5000), []);
      }
    });

    test("a scheduled set told to honour the original's lock, which is in another slot: the first pop drops the lock's key, the rest go without it", async () => {
      const prefix = `${clientName.replace(/\W/g, '')}-lockslot`;
      let name;
      for (let i = 0; name === undefined; i++) {
        const third = (key) => Math.min(2, Math.floor(crc16(key) / 5462));
        if (third(`${prefix}-${i}`) !== third(`${prefix}-${i}__lock`)) name = `${prefix}-${i}`;
      }
      // Off by default on a cluster, where the original cannot be.
      const set = new ScheduledSet(conn.client, name, { originalLock: true });
      for (let i = 0; i < 6; i++) await set.add(`i${i}`, now() - 10 + i);
      const [crossSlot, moved] = [await errorsAnswered('CROSSSLOT'), await errorsAnswered('MOVED')];
      const popped = [];
      for (let i = 0; i < 4; i++) popped.push(await set.pop());
      assert.deepEqual(popped, ['i0', 'i1', 'i2', 'i3']);
      assert.deepEqual(await set.take(10), ['i4', 'i5']);
      assert.equal(await errorsAnswered('CROSSSLOT') - crossSlot, 1);
      // Each went to the set's master: the kept command, with the time put in a copy,
      // still names the key to route it by.
      assert.equal(await errorsAnswered('MOVED') - moved, 0);
    });

    test('flow control on sets spread over the masters: pause, a rate limit, fair groups, the escape hatch', async () => {
      for (const name of namesOnEachMaster(`${clientName.replace(/\W/g, '')}-flow`)) {
        const set = new SortedSet(conn.client, name, {
          rateLimit: { max: 1000, periodMs: 1000, burst: 3 },
          groupBy: (item) => item[0],
          groups: { concurrency: 1 },
        });
        await set.addMany(['a1', 'a2', 'b1', 'c1']);
        await set.pause();
        assert.deepEqual(await set.claim(5, 30000), []);
        assert.equal((await set.stats()).paused, true);
        await set.resume();
        // The burst of three, one per group, round-robin; a's second waits for its first.
        const leases = await set.claim(5, 30000);
        assert.deepEqual(leases.map((l) => l.item), ['a1', 'b1', 'c1']);
        await set.ackMany(leases);
        const [next] = await set.claimWait(5, 30000, 2000);
        assert.equal(next.item, 'a2');
        await set.rateLimited(next, 10000);
        assert.deepEqual(await set.groupStats('a'), { group: 'a', waiting: 1, inFlight: 0, dead: 0 });
        assert.deepEqual(await set.take(5), []); // held for 10 s
        assert.equal(await set.clear(), true);
      }
    });

    test('writes wait for a replica with waitForReplicas; too many asked is NotReplicated', async () => {
      const name = `{${clientName.replace(/\W/g, '')}}wait`;
      const set = new SortedSet(conn.client, name, { waitForReplicas: { replicas: 1, timeout: 1000 } });
      await set.add('a');
      await set.addMany(['b', 'c']);
      const leases = await set.claim(2, 30000);
      await set.ackMany(leases);
      const greedy = new SortedSet(conn.client, name, { waitForReplicas: { replicas: 2, timeout: 50 } });
      await assert.rejects(greedy.add('x'), (e) => e instanceof NotReplicated && e.acked === 1 && e.wanted === 2);
      assert.equal(await set.score('x'), 0, 'the write itself took effect');
    });
  });
}
