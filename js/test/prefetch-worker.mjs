// A prefetching process() worker for lease-crash.test.mjs: concurrency 2, prefetch 4,
// 2 s leases; each handler logs "p item token" to `${name}:log`. Stops once
// `${name}:done` is set and nothing is waiting or in flight.
//   node prefetch-worker.mjs SOCKET NAME
import { createRequire } from 'node:module';

import { SortedSet } from '../../pkg/index.mjs';

const require = createRequire(import.meta.url);
const Redis = require('ioredis');
const [socket, name] = process.argv.slice(2);
const client = new Redis({ path: socket });
const set = new SortedSet(client, name, { metrics: true });
const log = `${name}:log`;
const controller = new AbortController();
// One check at a time, kept so that the last one is awaited before the client closes:
// one still waiting for its replies would reject ("Connection is closed") and fail
// the process.
let checking = null;
const check = async () => {
  const stats = await set.stats();
  if ((await client.exists(`${name}:done`)) && stats.waiting === 0 && stats.inFlight === 0) controller.abort();
};
const watch = setInterval(() => {
  checking ??= check().finally(() => { checking = null; });
}, 100);
const stopAnyway = setTimeout(() => controller.abort(), 120_000);
await set.process(async (item, lease) => {
  await client.rpush(log, `p ${item} ${lease.token}`);
}, { concurrency: 2, prefetch: 4, leaseMs: 2000, signal: controller.signal, pollMs: 100 });
clearInterval(watch);
clearTimeout(stopAnyway);
await checking;
client.disconnect();
