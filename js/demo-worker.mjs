// The Node side of the demo (src/bin/redset-demo.rs): the same worker protocol, on the
// same sets, with the npm package. Even-numbered workers use ioredis, odd ones
// node-redis, to show both adapters.
//   node js/demo-worker.mjs produce URL N
//   node js/demo-worker.mjs consume URL N PRODUCERS
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';

import { JsonSerializer, KeyError, ScheduledSet, SortedSet } from '../pkg/index.mjs';

const require = createRequire(import.meta.url);
const TASKS_PER_PRODUCER = 2000;
const DEADLINE_MS = 120_000;

async function connect(url, n) {
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

const sets = (client) => ({
  tasks: new SortedSet(client, 'demo:tasks', { serializer: new JsonSerializer(), scorer: (t) => t.priority }),
  retries: new ScheduledSet(client, 'demo:retries', { serializer: new JsonSerializer() }),
});

async function produce(client, producer) {
  const { tasks } = sets(client.client);
  for (let n = 0; n < TASKS_PER_PRODUCER; n++) {
    const id = producer * TASKS_PER_PRODUCER + n;
    await tasks.add({ id, priority: id % 10, attempts: 0 });
  }
  await client.client.incr('demo:producers-done');
}

// ioredis and node-redis both have `get`; a missing key is null.
const producersDone = async (client) => Number((await client.get('demo:producers-done')) ?? 0);

async function consume(client, consumer, producers) {
  const { tasks, retries } = sets(client.client);
  let done = 0;
  let retried = 0;
  const started = Date.now();
  while (Date.now() - started < DEADLINE_MS) {
    const batch = await retries.take(10);
    try {
      const task = await tasks.pop();
      if (task !== null) batch.push(task);
    } catch (err) {
      if (!(err instanceof KeyError)) throw err;
    }
    if (batch.length === 0) {
      if ((await producersDone(client.client)) === producers && (await tasks.len()) === 0 && (await retries.len()) === 0) break;
      await sleep(5);
      continue;
    }
    for (const task of batch) {
      if (task.id % 5 !== 0 || task.attempts > 0) {
        console.log(`DONE ${task.id}`);
        done++;
      } else {
        const again = { ...task, attempts: task.attempts + 1 };
        await retries.add(again, Date.now() / 1000 + 0.05 * 2 ** task.attempts);
        console.log(`RETRY ${again.id}`);
        retried++;
      }
    }
  }
  console.log(`node consumer ${consumer}: processed ${done} tasks, scheduled ${retried} retries`);
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
