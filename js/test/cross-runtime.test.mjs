// Rust and Node on the same sets: JSON tasks added by the Rust demo's producer are
// popped here with JsonSerializer, and tasks added here are processed by the Rust
// demo's consumer. Needs target/release/redset-demo (`./run test` builds it).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { JsonSerializer, SortedSet } from '../../pkg/index.mjs';
import { startRedis } from './helpers.mjs';

const require = createRequire(import.meta.url);
const run = promisify(execFile);
const demo = fileURLToPath(new URL('../../target/release/redset-demo', import.meta.url));

let server;
before(async () => { server = await startRedis(); });
after(async () => { await server.stop(); });

test('tasks cross between Rust (Json<Task>) and Node (JsonSerializer) both ways', async () => {
  assert.ok(existsSync(demo), `${demo} is missing: cargo build --release --bin redset-demo`);
  const Redis = require('ioredis');
  const client = new Redis({ path: server.socket });
  try {
    const tasks = new SortedSet(client, 'demo:tasks', { serializer: new JsonSerializer(), scorer: (t) => t.priority });

    await run(demo, ['produce', server.url, '0']);
    const fromRust = await tasks.take(100000);
    assert.equal(fromRust.length, 2000);
    assert.deepEqual(fromRust[0], { id: 0, priority: 0 });
    assert.deepEqual(fromRust.map((t) => t.priority), [...fromRust.map((t) => t.priority)].sort((a, b) => a - b));
    assert.deepEqual(new Set(fromRust.map((t) => t.id)), new Set(Array.from({ length: 2000 }, (_, i) => i)));

    // Tasks added here are claimed and acked by the Rust consumer (every fifth fails its
    // first delivery and comes back through its lease's retry).
    const ids = Array.from({ length: 300 }, (_, i) => 9000 + i);
    for (const id of ids) await tasks.add({ id, priority: id % 10 });
    // The Rust producer above counted itself done: one producer in all.
    const { stdout } = await run(demo, ['consume', server.url, '0', '1'], { timeout: 60_000 });
    const acked = stdout.split('\n').filter((l) => l.startsWith('ACKED ')).map((l) => Number(l.slice(6)));
    assert.deepEqual(acked.sort((a, b) => a - b), ids);
    assert.equal(await tasks.len(), 0);
    assert.equal(await tasks.inFlight(), 0);
  } finally {
    client.disconnect();
  }
});
