// Node benchmarks of flow control (issue 23): claim + ack on a set with flow control on
// (a rate limit never reached, fair groups) beside the same items without, interleaved;
// and a claim's cost with 10, 1 000 and 100 000 groups waiting. Prints Markdown rows;
// bench.mjs runs it, and it runs alone too:
//   node js/bench/flow.mjs SOCKET [--smoke]
import { SortedSet } from '../../pkg/index.mjs';
import { benchSetup, drain, median, offAndOn, refill } from './on-off.mjs';

const { io, OPS, ROUNDS, smoke } = benchSetup();
const key = 'bench:node:flow';
const off = new SortedSet(io, key);
console.log('\n### Node: flow control\'s cost (claim + ack one at a time, acks with the next claim; items/s, medians; ratio: the median of on / off over adjacent pairs, ≥ 0.9 is the target)\n');
console.log('| flow control on | off | on | ratio |\n|---|---|---|---|');
for (const [name, options] of [
  ['a rate limit, never reached', { rateLimit: { max: 4294967295, periodMs: 1000, burst: 1000000 } }],
  ['10 fair groups', { groupBy: (i) => String(Number(i) % 10) }],
  ['10 groups, concurrency 1000 each', { groupBy: (i) => String(Number(i) % 10), groups: { concurrency: 1000 } }],
]) {
  const on = new SortedSet(io, key, options);
  const [offRate, onRate, ratio] = await offAndOn(off, on, ROUNDS, (set) => refill(set, OPS), (set) => drain(set, OPS));
  console.log(`| ${name} | ${offRate.toFixed(0)} | ${onRate.toFixed(0)} | ${ratio.toFixed(2)} |`);
}

const counts = smoke ? [10, 100, 1000] : [10, 1000, 100000];
const total = Math.max(counts[counts.length - 1], OPS * ROUNDS);
console.log(`\n### Node: a claim's cost by the number of groups (claim + ack one at a time, ${total} items waiting, spread evenly; µs per item, median of ${ROUNDS} runs of ${OPS})\n`);
console.log('| groups | µs per item |\n|---|---|');
for (const groups of counts) {
  const set = new SortedSet(io, key, { groupBy: (i) => String(Number(i) % groups) });
  await refill(set, total);
  const runs = [];
  for (let round = 0; round < ROUNDS; round++) runs.push(await drain(set, OPS));
  console.log(`| ${groups} | ${median(runs).toFixed(1)} |`);
}
io.disconnect();
