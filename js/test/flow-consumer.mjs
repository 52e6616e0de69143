// A consumer process for flow.test.mjs, the Node twin of tests/flow.rs's flow_consumer:
//   node flow-consumer.mjs rate SOCKET NAME     claimWait under 200/s (burst 20) until
//                                               NAME:stop, logging each claim's server
//                                               time (deadline - lease) to NAME:log
//   node flow-consumer.mjs groups SOCKET NAME SEED   grouped by the item's prefix, at
//                                               most 2 of a group in flight, 300 ms
//                                               leases, one in ten held 400 ms; logs
//                                               "c group token claim deadline" and,
//                                               before each ack, "a token time"; until
//                                               nothing is left
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';

import { LeaseLost, SortedSet } from '../../pkg/index.mjs';

const require = createRequire(import.meta.url);
const Redis = require('ioredis');
const [mode, socket, name, seedArg] = process.argv.slice(2);
const client = new Redis({ path: socket });
const log = `${name}:log`;
const serverMs = async () => {
  const [seconds, micros] = await client.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
};
const started = Date.now();

if (mode === 'rate') {
  const lease = 30_000;
  const set = new SortedSet(client, name, { rateLimit: { max: 200, periodMs: 1000, burst: 20 } });
  // One round trip besides the claim: the log, the acks and the stop check go together,
  // so that the limit, not this loop, sets the pace on a busy machine.
  for (let stop = false; !stop && Date.now() - started < 60_000; ) {
    const leases = await set.claimWait(10, lease, 500);
    const checks = client.pipeline();
    if (leases.length > 0) checks.rpush(log, ...leases.map((l) => l.deadline - lease));
    const [, replies] = await Promise.all([set.ackMany(leases), checks.exists(`${name}:stop`).exec()]);
    stop = replies[replies.length - 1][1] === 1;
  }
} else if (mode === 'groups') {
  const lease = 300;
  let seed = BigInt(seedArg);
  const set = new SortedSet(client, name, { groupBy: (item) => item.split(':')[0], groups: { concurrency: 2 } });
  while (Date.now() - started < 90_000) {
    const leases = await set.claimWait(2, lease, 200);
    if (leases.length === 0) {
      const stats = await set.stats();
      if (stats.waiting === 0 && stats.inFlight === 0) break;
      continue;
    }
    for (const l of leases) {
      await client.rpush(log, `c ${l.item.split(':')[0]} ${l.token} ${l.deadline - lease} ${l.deadline}`);
    }
    for (const l of leases) {
      seed = (seed * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
      const work = seed % 10n === 0n ? 400 : Number(seed % 30n);
      await sleep(work);
      // Logged before the ack, so a kill right after the ack leaves no lease that
      // seems held longer than it was (an interval only ever ends early).
      await client.rpush(log, `a ${l.token} ${await serverMs()}`);
      try {
        await set.ack(l);
      } catch (err) {
        if (!(err instanceof LeaseLost)) throw err;
      }
    }
  }
} else {
  throw new Error(`unknown mode ${mode}`);
}
client.disconnect();
