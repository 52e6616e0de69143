// A lease consumer process for lease-crash.test.mjs: claims, works (a millisecond), logs
// "p item token" to `${name}:log`, acks, logs "a item token" (the lease's fencing token,
// so the log can be read in token order); until `${name}:done` is set and nothing is
// waiting or in flight.
//   node lease-consumer.mjs SOCKET NAME
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';

import { LeaseLost, SortedSet } from '../../pkg/index.mjs';

const require = createRequire(import.meta.url);
const Redis = require('ioredis');
const [socket, name] = process.argv.slice(2);
const client = new Redis({ path: socket });
const set = new SortedSet(client, name);
const log = `${name}:log`;
const started = Date.now();
while (Date.now() - started < 120_000) {
  const leases = await set.claim(5, 500);
  if (leases.length === 0) {
    const stats = await set.stats();
    if ((await client.exists(`${name}:done`)) && stats.waiting === 0 && stats.inFlight === 0) break;
    await sleep(5);
    continue;
  }
  for (const lease of leases) {
    await sleep(1);
    await client.rpush(log, `p ${lease.item} ${lease.token}`);
    try {
      await set.ack(lease);
      await client.rpush(log, `a ${lease.item} ${lease.token}`);
    } catch (err) {
      if (!(err instanceof LeaseLost)) throw err;
    }
  }
}
client.disconnect();
