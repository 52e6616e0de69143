// Drains N items with take(100) and prints the process's peak RSS (kB) and the CPU time
// of the drain (µs), as JSON. SIDE "raw": a raw ioredis consumer sending the same
// ZPOPMIN key 100, the baseline; "raw-work": the same with a little more JS per take
// (a 20-step loop); "raw-wasm": the same calling the package's wasm module once per take
// for nothing (blockCapMs). Either is enough for ioredis's reply arrays to outlive V8's
// scavenges (a settled promise still refers to each; the bare loop escapes that only as
// TurboFan inlines ioredis's call into it, issue 20), which the package avoids by
// emptying each reply once decoded: the two rows show what the raw loop pays for it.
//   node rss.mjs SOCKET N [redset|raw|raw-work|raw-wasm]
import { createRequire } from 'node:module';

import { SortedSet } from '../../pkg/index.mjs';
import { binding } from '../../pkg/lib/binding.mjs';

const require = createRequire(import.meta.url);
const Redis = require('ioredis');
const [socket, n, side = 'redset'] = process.argv.slice(2);
const client = new Redis({ path: socket });
const args = [];
for (let i = 0; i < Number(n); i++) args.push(String(i % 1000), String(i));
await client.del('bench:rss');
for (let i = 0; i < args.length; i += 20000) await client.zadd('bench:rss', ...args.slice(i, i + 20000));
const set = new SortedSet(client, 'bench:rss');
const extra = {
  'raw-wasm': () => binding().blockCapMs(),
  'raw-work': () => {
    let sum = 0;
    for (let i = 0; i < 20; i++) sum += i;
    return sum;
  },
}[side] ?? (() => 0);
const take = side.startsWith('raw')
  ? async () => {
    // ZPOPMIN's member/score pairs (flat in RESP2, nested in RESP3) as the items.
    const reply = await client.callBuffer('ZPOPMIN', 'bench:rss', '100');
    extra();
    const items = [];
    for (let i = 0; i < reply.length; i++) {
      const member = Array.isArray(reply[i]) ? reply[i][0] : reply[i++];
      items.push(member.toString());
    }
    return items;
  }
  : () => set.take(100);
const cpu = process.cpuUsage();
let total = 0;
for (;;) {
  const got = await take();
  if (got.length === 0) break;
  total += got.length;
}
const used = process.cpuUsage(cpu);
if (total !== Number(n)) throw new Error(`drained ${total} of ${n}`);
console.log(JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS, cpuMicros: used.user + used.system }));
client.disconnect();
