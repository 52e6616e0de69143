// A bench consumer process: pops one at a time from a set until `${name}:done` exists
// and the set is empty; prints {items, start, end} as JSON (items: what it got).
//   node drain.mjs SOCKET NAME sorted|scheduled
import { createRequire } from 'node:module';

import { KeyError, ScheduledSet, SortedSet } from '../../pkg/index.mjs';

const require = createRequire(import.meta.url);
const Redis = require('ioredis');
const [socket, name, kind] = process.argv.slice(2);
const client = new Redis({ path: socket });
const set = new (kind === 'scheduled' ? ScheduledSet : SortedSet)(client, name);
const items = [];
let start = 0;
for (let spins = 0; spins < 10_000_000; spins++) {
  try {
    const item = await set.pop();
    if (!start) start = Date.now();
    items.push(item);
  } catch (err) {
    if (!(err instanceof KeyError)) throw err;
    // The flag is read before the last pop: empty after it means drained for good.
    if (await client.exists(`${name}:done`)) {
      try {
        items.push(await set.pop());
      } catch (again) {
        if (again instanceof KeyError) break;
        throw again;
      }
    }
  }
}
console.log(JSON.stringify({ items, start, end: Date.now() }));
client.disconnect();
