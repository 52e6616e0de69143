// Several Node processes take from one set while this process adds: each item is
// handed out exactly once, for a SortedSet and for a ScheduledSet.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { SortedSet } from '../../pkg/index.mjs';
import { now, startRedis } from './helpers.mjs';

const require = createRequire(import.meta.url);
const run = promisify(execFile);
const consumer = fileURLToPath(new URL('./consumer.mjs', import.meta.url));
const ITEMS = 5000;
const PROCESSES = 4;

let server;
before(async () => { server = await startRedis(); });
after(async () => { await server.stop(); });

for (const kind of ['sorted', 'scheduled']) {
  test(`${PROCESSES} node processes share a ${kind} set: nothing duplicated, nothing lost`, async () => {
    const name = `procs-${kind}`;
    const consumers = Array.from({ length: PROCESSES }, (_, w) =>
      run('node', [consumer, server.socket, name, kind, String(w)], { maxBuffer: 64 << 20 }));
    const Redis = require('ioredis');
    const client = new Redis({ path: server.socket });
    const set = new SortedSet(client, name);
    for (let i = 0; i < ITEMS; i++) {
      // Scheduled items fall due now or within 200 ms.
      await set.add(String(i), kind === 'scheduled' ? now() + (i % 3) * 0.1 : i % 100);
    }
    await client.set(`${name}:done`, '1');
    const outputs = await Promise.all(consumers);
    client.disconnect();
    const per = outputs.map(({ stdout }) => JSON.parse(stdout));
    const all = per.flat();
    assert.equal(new Set(all).size, all.length, 'an item was handed out twice');
    assert.deepEqual(all.map(Number).sort((a, b) => a - b), Array.from({ length: ITEMS }, (_, i) => i));
    assert.ok(per.filter((got) => got.length > 0).length > 1, 'work was shared');
  });
}
