// Node benchmark of counting's cost (issue 21): a set that keeps server-side counters
// ({ metrics: true }) beside the same set without, interleaved — claim + ack, and
// single adds. The target: counting costs at most 5% of the items per second. Prints
// Markdown rows; bench.mjs runs it, and it runs alone too:
//   node js/bench/counting.mjs SOCKET [--smoke]
import { SortedSet } from '../../pkg/index.mjs';
import { benchSetup, drain, items, offAndOn, refill } from './on-off.mjs';

const { io, OPS, ROUNDS } = benchSetup();
const key = 'bench:node:counting';
const off = new SortedSet(io, key);
const on = new SortedSet(io, key, { metrics: true });
const fresh = items(OPS);

/** µs per add of OPS new items, one call each. */
async function adds(set) {
  const started = process.hrtime.bigint();
  for (const item of fresh) await set.add(item);
  return Number(process.hrtime.bigint() - started) / 1000 / OPS;
}

console.log("\n### Node: counting's cost ({ metrics: true } on against off; items/s, medians; ratio: the median of on / off over adjacent pairs, ≥ 0.95 is the target)\n");
console.log('| operation | off | on | ratio |\n|---|---|---|---|');
for (const [name, prepare, work] of [
  ['claim + ack, acks with the next claim', (set) => refill(set, OPS), (set) => drain(set, OPS)],
  ['add, one item per call', (set) => set.clear(), adds],
]) {
  const [offRate, onRate, ratio] = await offAndOn(off, on, ROUNDS, prepare, work);
  console.log(`| ${name} | ${offRate.toFixed(0)} | ${onRate.toFixed(0)} | ${ratio.toFixed(2)} |`);
}
io.disconnect();
