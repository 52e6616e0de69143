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
