// The Node side of the demo (src/bin/redset-demo.rs): the same worker protocol, on the
// same sets, with the npm package. Even-numbered workers use ioredis, odd ones
// node-redis, to show both adapters.
//   node js/demo-worker.mjs produce URL N
//   node js/demo-worker.mjs consume URL N PRODUCERS
import { createRequire } from 'node:module';

import { JsonSerializer, LeaseLost, SortedSet } from '../pkg/index.mjs';

const require = createRequire(import.meta.url);
const TASKS_PER_PRODUCER = 2000;
const DEADLINE_MS = 120_000;

async function connect(url, n) {
  if (url.startsWith('redis-cluster://')) {
    const nodes = url.slice('redis-cluster://'.length).split(',').map((hostPort) => {
      const [host, port] = hostPort.split(':');
      return { host, port: Number(port) };
    });
    if (n % 2 === 0) {
      const { Cluster } = require('ioredis');
      const client = new Cluster(nodes);
      return { client, close: () => client.disconnect() };
    }
    const { createCluster } = require('redis');
    const client = createCluster({ rootNodes: nodes.map(({ host, port }) => ({ url: `redis://${host}:${port}` })) });
    client.on('error', () => {});
    await client.connect();
    return { client, close: () => client.close?.() ?? client.disconnect() };
  }
  const socket = url.startsWith('redis+unix://') ? url.slice('redis+unix://'.length) : null;
  if (n % 2 === 0) {
    const Redis = require('ioredis');
    const client = socket ? new Redis({ path: socket }) : new Redis(url);
    return { client, close: () => client.disconnect() };
  }
  const { createClient } = require('redis');
  const client = createClient(socket ? { socket: { path: socket } } : { url });
  await client.connect();
  return { client, close: () => client.quit() };
}

const LEASE_MS = 1000;

const sets = (client) => ({
  tasks: new SortedSet(client, 'demo:tasks', {
    serializer: new JsonSerializer(),
    scorer: (t) => t.priority,
    backoff: { base: 50, cap: 1000 },
  }),
});

async function produce(client, producer) {
  const { tasks } = sets(client.client);
  for (let n = 0; n < TASKS_PER_PRODUCER; n++) {
    const id = producer * TASKS_PER_PRODUCER + n;
    await tasks.add({ id, priority: id % 10 });
  }
  await client.client.incr('demo:producers-done');
}

// ioredis and node-redis both have `get`; a missing key is null.
const producersDone = async (client) => Number((await client.get('demo:producers-done')) ?? 0);

async function consume(client, consumer, producers) {
  const { tasks } = sets(client.client);
  let done = 0;
  let retried = 0;
  const started = Date.now();
  while (Date.now() - started < DEADLINE_MS) {
    // Waits (blocked in Redis) until a task comes or a retried one is due again.
    const leases = await tasks.claimWait(10, LEASE_MS, 250);
    if (leases.length === 0) {
      const stats = await tasks.stats();
      if ((await producersDone(client.client)) === producers && stats.waiting === 0 && stats.inFlight === 0) break;
      continue;
    }
    for (const lease of leases) {
      const task = lease.item;
      // Every fifth task fails on its first delivery, to exercise retries.
      if (task.id % 5 === 0 && lease.deliveries === 1) {
        await tasks.retry(lease);
        console.log(`RETRY ${task.id}`);
        retried++;
        continue;
      }
      console.log(`WORKED ${task.id}`);
      try {
        await tasks.ack(lease);
        console.log(`ACKED ${task.id}`);
        done++;
      } catch (err) {
        if (!(err instanceof LeaseLost)) throw err; // another consumer has it now
      }
    }
  }
  console.log(`node consumer ${consumer}: acked ${done} tasks, retried ${retried}`);
}

const [role, url, n, producers] = process.argv.slice(2);
const client = await connect(url, Number(n));
try {
  if (role === 'produce') await produce(client, Number(n));
  else if (role === 'consume') await consume(client, Number(n), Number(producers));
  else throw new Error(`unknown role ${role}`);
} finally {
  await client.close();
}
