// Drains N items with take(100) and prints the process's peak RSS in kB.
//   node rss.mjs SOCKET N
import { createRequire } from 'node:module';

import { SortedSet } from '../../pkg/index.mjs';

const require = createRequire(import.meta.url);
const Redis = require('ioredis');
const [socket, n] = process.argv.slice(2);
const client = new Redis({ path: socket });
const args = [];
for (let i = 0; i < Number(n); i++) args.push(String(i % 1000), String(i));
await client.del('bench:rss');
for (let i = 0; i < args.length; i += 20000) await client.zadd('bench:rss', ...args.slice(i, i + 20000));
const set = new SortedSet(client, 'bench:rss');
let total = 0;
for (;;) {
  const got = await set.take(100);
  if (got.length === 0) break;
  total += got.length;
}
if (total !== Number(n)) throw new Error(`drained ${total} of ${n}`);
console.log(process.resourceUsage().maxRSS);
client.disconnect();
