// Consumers SIGKILLed mid-work (processes of the runtime running this file): with
// leases nothing is lost, and only what a killed consumer held is delivered twice; an
// acked item never comes back. The log carries each lease's fencing token, so a
// delivery after an ack is told apart from a stale delivery logged late.
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

// The consumers run in the same runtime as this file (Deno needs its `run`).
const runtime = globalThis.Deno ? ['run', '-A', '--no-check'] : [];

function consumer(name) {
  const child = spawn(process.execPath, [...runtime, consumerScript, server.socket, name], { stdio: ['ignore', 'ignore', 'inherit'] });
  child.exited = once(child, 'exit');
  return child;
}

/**
 * Reads the log of "p item token" / "a item token" entries: how many times each item was
 * delivered; deliveries whose token is greater than the item's acked token (it came back
 * after an ack, which leases promise never happens); and deliveries logged after the ack
 * with an earlier token (a consumer stalled past its lease logged a stale delivery late).
 */
function readLog(entries) {
  const parsed = entries.map((entry) => {
    const [what, item, token] = entry.split(' ');
    return { delivered: what === 'p', item, token: Number(token) };
  });
  const acks = new Map(); // item -> { at, token } of its first ack, least token acked
  parsed.forEach(({ delivered, item, token }, at) => {
    if (delivered) return;
    const ack = acks.get(item);
    if (ack === undefined) acks.set(item, { at, token });
    else ack.token = Math.min(ack.token, token);
  });
  const counts = new Map();
  let afterAck = 0;
  let loggedLate = 0;
  parsed.forEach(({ delivered, item, token }, at) => {
    if (!delivered) return;
    counts.set(item, (counts.get(item) ?? 0) + 1);
    const ack = acks.get(item);
    if (ack !== undefined && token > ack.token) afterAck++;
    else if (ack !== undefined && at > ack.at) loggedLate++;
  });
  return { counts, afterAck, loggedLate };
}

const runtimeName = () => (globalThis.Bun ? `Bun ${Bun.version}` : globalThis.Deno ? `Deno ${Deno.version.deno}` : `Node ${process.versions.node}`);

test(`4 consumers, ${KILLS} SIGKILLs, ${ITEMS} items: lost 0, duplicates only from kills`, async () => {
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
  const { counts, afterAck, loggedLate } = readLog(await client.lrange(`${name}:log`, 0, -1));
  const lost = ITEMS - counts.size;
  const duplicated = [...counts.values()].reduce((sum, n) => sum + n - 1, 0);
  const stats = await producer.stats();
  console.log(`lease crash test (${runtimeName()}): ${ITEMS} items, 4 consumers, ${KILLS} SIGKILLs: lost ${lost}, ` +
    `processed twice ${duplicated} (at most ${KILLS * BATCH}), delivered after an ack (by token) ${afterAck}, ` +
    `stale deliveries logged late ${loggedLate}`);
  client.disconnect();
  assert.equal(lost, 0);
  assert.equal(afterAck, 0);
  assert.ok(duplicated <= KILLS * BATCH, `${duplicated} duplicates`);
  assert.deepEqual([stats.waiting, stats.inFlight, stats.dead], [0, 0, 0]);
});

const prefetchScript = fileURLToPath(new URL('./prefetch-worker.mjs', import.meta.url));
const PREFETCH_ITEMS = 10000;
const PREFETCH_KILLS = 6;

test(`prefetching process() workers, ${PREFETCH_KILLS} SIGKILLs: every item acked exactly once`, async () => {
  const name = 'crash-prefetch';
  const Redis = require('ioredis');
  const client = new Redis({ path: server.socket });
  // Counting (as the workers do): the acks are tallied on the server.
  const set = new SortedSet(client, name, { metrics: true });
  const items = Array.from({ length: PREFETCH_ITEMS }, (_, i) => String(i));
  await set.addMany(items);
  const worker = () => {
    const child = spawn(process.execPath, [...runtime, prefetchScript, server.socket, name], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.exited = once(child, 'exit');
    return child;
  };
  let workers = Array.from({ length: 3 }, worker);
  // The most leases in flight seen just before a kill: past 3 × 2 running handlers,
  // the killed workers held prefetched ones.
  let most = 0;
  for (let k = 0; k < PREFETCH_KILLS; k++) {
    await sleep(200);
    most = Math.max(most, await set.inFlight());
    const victim = workers[k % workers.length];
    victim.kill('SIGKILL');
    await victim.exited;
    workers = workers.filter((w) => w !== victim).concat(worker());
  }
  await client.set(`${name}:done`, '1');
  const codes = await Promise.all(workers.map((w) => w.exited));
  assert.deepEqual(codes.map(([code]) => code), [0, 0, 0]);
  const delivered = new Map();
  for (const entry of await client.lrange(`${name}:log`, 0, -1)) {
    const item = entry.split(' ')[1];
    delivered.set(item, (delivered.get(item) ?? 0) + 1);
  }
  const stats = await set.stats();
  const twice = [...delivered.values()].reduce((sum, n) => sum + n - 1, 0);
  console.log(`prefetch crash test (${runtimeName()}): ${PREFETCH_ITEMS} items, ${PREFETCH_KILLS} SIGKILLs: ` +
    `acked ${stats.counters?.acked}, delivered twice ${twice}, most in flight before a kill ${most}`);
  client.disconnect();
  assert.deepEqual(items.filter((item) => !delivered.has(item)), [], 'every item delivered');
  // An item is acked once at most (the ack removes it): the count is every item once.
  assert.equal(stats.counters.acked, PREFETCH_ITEMS, 'every item acked exactly once');
  assert.deepEqual([stats.waiting, stats.inFlight, stats.dead], [0, 0, 0]);
  // Each kill re-delivers at most what the victim held: 2 running + 4 held per worker.
  assert.ok(twice <= PREFETCH_KILLS * (2 + 4), `${twice} delivered twice`);
  assert.ok(most > 3 * 2, `the workers held prefetched leases (${most} in flight)`);
});
