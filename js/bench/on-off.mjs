// What the benchmarks that weigh a set option (flow control, counting) share: drain a
// set by claim + ack, refill it, and time the same work on a plain set and on one with
// the option, interleaved (which goes first alternates each round): medians, and the
// ratio as the median over adjacent pairs.

import { createRequire } from 'node:module';

/** The command line of a bench that runs alone (`node BENCH SOCKET [--smoke]`): an ioredis client on the socket, and its sizes. */
export function benchSetup() {
  const Redis = createRequire(import.meta.url)('ioredis');
  const [socket, mode] = process.argv.slice(2);
  const smoke = mode === '--smoke';
  return { io: new Redis({ path: socket }), OPS: smoke ? 50 : 3000, ROUNDS: smoke ? 3 : 9, smoke };
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const items = (n) => Array.from({ length: n }, (_, i) => String(i));

/** Claims one item and acks it with the next claim (as process() does) until `n` are done; µs per item. */
export async function drain(set, n) {
  const started = process.hrtime.bigint();
  let got = await set.claim(1, 60000);
  let done = 0;
  while (got.length > 0) {
    done += got.length;
    if (done >= n) {
      await set.ackMany(got);
      break;
    }
    got = await set.ackAndClaim(got, 1, 60000);
  }
  if (done !== n) throw new Error(`the set ran dry at ${done} of ${n}`);
  return Number(process.hrtime.bigint() - started) / 1000 / n;
}

export async function refill(set, n) {
  await set.clear();
  await set.addMany(items(n));
}

/**
 * items/s of `work(set)` (µs per item) on `off` and on `on`, 2 × `rounds` + 1 times each
 * (more than the other tables: a ratio near its target is read from them), interleaved;
 * `prepare(set)` runs before each, untimed. Returns [off, on, ratio]: the medians, and the
 * median of on / off over adjacent pairs — the two runs of a pair see the same load on
 * the machine, so a change of load between pairs moves both sides alike.
 */
export async function offAndOn(off, on, rounds, prepare, work) {
  const samples = [[], []];
  for (let round = 0; round < 2 * rounds + 1; round++) {
    for (const side of round % 2 ? [1, 0] : [0, 1]) {
      const set = side === 0 ? off : on;
      await prepare(set);
      samples[side].push(await work(set));
    }
  }
  const ratio = median(samples[0].map((offMicros, i) => offMicros / samples[1][i]));
  const [offRate, onRate] = samples.map((s) => 1e6 / median(s));
  return [offRate, onRate, ratio];
}
