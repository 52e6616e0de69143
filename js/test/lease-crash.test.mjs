// Node consumers SIGKILLed mid-work: with leases nothing is lost, and only what a
// killed consumer held is delivered twice; an acked item never comes back.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import { SortedSet } from '../../pkg/index.mjs';
import { startRedis } from './helpers.mjs';

const require = createRequire(import.meta.url);
const consumerScript = fileURLToPath(new URL('./lease-consumer.mjs', import.meta.url));
const ITEMS = 20000;
const KILLS = 20;
const BATCH = 5;

let server;
before(async () => { server = await startRedis(); });
after(async () => { await server.stop(); });

function consumer(name) {
  const child = spawn('node', [consumerScript, server.socket, name], { stdio: ['ignore', 'ignore', 'inherit'] });
  child.exited = once(child, 'exit');
  return child;
}

test(`4 Node consumers, ${KILLS} SIGKILLs, ${ITEMS} items: lost 0, duplicates only from kills`, async () => {
  const name = 'crash';
  const Redis = require('ioredis');
  const client = new Redis({ path: server.socket });
  const producer = new SortedSet(client, name);
  // The first half at once, the rest while the consumers run.
  const args = [];
  for (let i = 0; i < ITEMS / 2; i++) args.push(String(i % 100), String(i));
  await client.zadd(name, ...args);
  let consumers = Array.from({ length: 4 }, () => consumer(name));
  const producing = (async () => {
    for (let i = ITEMS / 2; i < ITEMS; i++) await producer.add(String(i), i % 100);
  })();
  for (let k = 0; k < KILLS; k++) {
    await sleep(250);
    const victim = consumers[Math.floor(Math.random() * consumers.length)];
    victim.kill('SIGKILL');
    await victim.exited;
    consumers = consumers.filter((c) => c !== victim).concat(consumer(name));
  }
  await producing;
  await client.set(`${name}:done`, '1');
  const codes = await Promise.all(consumers.map((c) => c.exited));
  assert.deepEqual(codes.map(([code]) => code), [0, 0, 0, 0]);
  const counts = new Map();
  const acked = new Set();
  let afterAck = 0;
  for (const entry of await client.lrange(`${name}:log`, 0, -1)) {
    const [what, item] = entry.split(' ');
    if (what === 'p') {
      counts.set(item, (counts.get(item) ?? 0) + 1);
      if (acked.has(item)) afterAck++;
    } else {
      acked.add(item);
    }
  }
  const lost = ITEMS - counts.size;
  const duplicated = [...counts.values()].reduce((sum, n) => sum + n - 1, 0);
  const stats = await producer.stats();
  console.log(`lease crash test (Node): ${ITEMS} items, 4 consumers, ${KILLS} SIGKILLs: lost ${lost}, processed twice ${duplicated} (at most ${KILLS * BATCH}), acked then delivered again ${afterAck}`);
  client.disconnect();
  assert.equal(lost, 0);
  assert.equal(afterAck, 0);
  assert.ok(duplicated <= KILLS * BATCH, `${duplicated} duplicates`);
  assert.deepEqual([stats.waiting, stats.inFlight, stats.dead], [0, 0, 0]);
});
