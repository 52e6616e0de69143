// A consumer process for concurrency.test.mjs: pops and takes (alternately) from one
// set until `${name}:done` exists and the set is empty; prints what it got as JSON.
//   node consumer.mjs SOCKET NAME sorted|scheduled WORKER
import { createRequire } from 'node:module';

import { KeyError, ScheduledSet, SortedSet } from '../../pkg/index.mjs';

const require = createRequire(import.meta.url);
const Redis = require('ioredis');
const [socket, name, kind, worker] = process.argv.slice(2);
const client = new Redis({ path: socket });
const set = new (kind === 'scheduled' ? ScheduledSet : SortedSet)(client, name);
const got = [];
const started = Date.now();
for (let round = Number(worker); Date.now() - started < 60_000; round++) {
  try {
    if (round % 2 === 0) got.push(await set.pop());
    else got.push(...(await set.take(7)));
  } catch (err) {
    if (!(err instanceof KeyError)) throw err;
  }
  if ((await client.exists(`${name}:done`)) && (await set.len()) === 0) break;
}
console.log(JSON.stringify(got));
client.disconnect();
