// Node benchmarks: the npm package against raw ioredis and raw node-redis sending the
// same commands, interleaved over rounds (median µs per call); the wasm boundary's
// cost; consumer processes draining a set; a consumer's peak RSS. Prints Markdown.
//   node js/bench/bench.mjs SOCKET [--smoke]
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { ScheduledSet, SortedSet } from '../../pkg/index.mjs';
import { median } from './on-off.mjs';

const require = createRequire(import.meta.url);
const run = promisify(execFile);
const [socket, ...flags] = process.argv.slice(2);
const smoke = flags.includes('--smoke');
// `--only ops|boundary|leases|flow|counting|batch|bullmq|drain|cpu|python`: that section.
const only = flags.includes('--only') ? flags[flags.indexOf('--only') + 1] : null;
const section = (name) => only === null || only === name;
const OPS = smoke ? 50 : 3000;
const ROUNDS = smoke ? 3 : 9;
// The operation table's rows are quick and each ratio is read against a target: more
// rounds for them (as the flow table's pairs).
const OPS_ROUNDS = 2 * ROUNDS + 1;
const DRAIN = smoke ? 2000 : 100_000;
const EXTRA = smoke ? 200 : 10_000;
// The same script the package runs, from the package itself.
const POP_DUE = require('../../pkg/wasm/redset_wasm.js').popDueScript();

const Redis = require('ioredis');
const io = new Redis({ path: socket });
const { createClient } = require('redis');
const nr = await createClient({ socket: { path: socket } }).connect();
const key = 'bench:node';
const waiting = `{${key}}:waiting`;
const lock = `${key}__lock`; // the original Python redset's lock, which a ScheduledSet checks
const sha = await io.script('LOAD', POP_DUE);
const now = () => Date.now() / 1000;

async function fill(n) {
  await io.del(key);
  for (let start = 0; start < n; start += 10000) {
    const args = [];
    for (let i = start; i < Math.min(n, start + 10000); i++) args.push(i % 1000, String(i));
    await io.zadd(key, ...args);
  }
}

/**
 * Times each side `rounds` times (ROUNDS unless given), alternating which goes first;
 * µs per call, medians.
 * `.ratio(i, j)`: the median over the rounds of side i's time / side j's, the two runs of
 * a round seeing the same load on the machine (a change of load between rounds moves
 * both sides of a round alike instead of one side's median).
 */
async function compare(setup, sides, rounds = ROUNDS) {
  const samples = sides.map(() => []);
  for (let round = 0; round < rounds; round++) {
    const order = sides.map((_, i) => i);
    if (round % 2) order.reverse();
    for (const i of order) {
      await setup();
      const start = process.hrtime.bigint();
      const calls = await sides[i]();
      samples[i].push(Number(process.hrtime.bigint() - start) / 1000 / calls);
    }
  }
  const ratio = (i, j) => median(samples[i].map((micros, round) => micros / samples[j][round]));
  return Object.assign(samples.map(median), { ratio });
}

async function times(n, f) {
  for (let i = 0; i < n; i++) await f(i);
  return n;
}

async function untilEmpty(f) {
  let calls = 1;
  while (await f()) calls++;
  return calls;
}

const set = new SortedSet(io, key);
const sched = new ScheduledSet(io, key);
// Without the check of the original Python redset's lock: the two rows give its cost.
const unlocked = new ScheduledSet(io, key, { originalLock: false });
const unlockedNr = new ScheduledSet(nr, key, { originalLock: false });
const schedNr = new ScheduledSet(nr, key);
const nrSet = new SortedSet(nr, key);
const none = async () => {};
const leased = new SortedSet(io, key);
const full = () => fill(OPS);
const rows = [
  // redset's own commands: ZADD and the check for a waiting consumer, pipelined.
  ['add one at a time', () => io.del(key),
    () => times(OPS, (i) => set.add(String(i), i)),
    () => times(OPS, (i) => Promise.all([io.zadd(key, i, String(i)), io.exists(waiting)])),
    () => times(OPS, (i) => Promise.all([nr.zAdd(key, { score: i, value: String(i) }), nr.exists(waiting)]))],
  ['pop one at a time', full,
    () => times(OPS, () => set.pop()),
    () => times(OPS, () => io.zpopmin(key)),
    () => times(OPS, () => nr.zPopMin(key))],
  ['take(100) until empty', full,
    () => untilEmpty(async () => (await set.take(100)).length > 0),
    () => untilEmpty(async () => (await io.zpopmin(key, 100)).length > 0),
    () => untilEmpty(async () => (await nr.zPopMinCount(key, 100)).length > 0)],
  // The same script call as the set's: with the original's lock as KEYS[2] where the set
  // checks it.
  ['ScheduledSet pop (all due)', full,
    () => times(OPS, () => sched.pop()),
    () => times(OPS, () => io.evalsha(sha, 2, key, lock, now(), 1)),
    () => times(OPS, () => nr.evalSha(sha, { keys: [key, lock], arguments: [String(now()), '1'] }))],
  ["ScheduledSet pop, original's lock not checked", full,
    () => times(OPS, () => unlocked.pop()),
    () => times(OPS, () => io.evalsha(sha, 1, key, now(), 1)),
    () => times(OPS, () => nr.evalSha(sha, { keys: [key], arguments: [String(now()), '1'] }))],
  ['ScheduledSet take(100) until empty', full,
    () => untilEmpty(async () => (await sched.take(100)).length > 0),
    () => untilEmpty(async () => (await io.evalsha(sha, 2, key, lock, now(), 100)).length > 0),
    () => untilEmpty(async () => (await nr.evalSha(sha, { keys: [key, lock], arguments: [String(now()), '100'] })).length > 0)],
  ['peek', none,
    () => times(OPS, () => set.peek()),
    () => times(OPS, () => io.zrange(key, 0, 0)),
    () => times(OPS, () => nr.zRange(key, 0, 0))],
  ['len', none,
    () => times(OPS, () => set.len()),
    () => times(OPS, () => io.zcard(key)),
    () => times(OPS, () => nr.zCard(key))],
  ['has', none,
    () => times(OPS, (i) => set.has(String(i % 1000))),
    () => times(OPS, (i) => io.zscore(key, String(i % 1000))),
    () => times(OPS, (i) => nr.zScore(key, String(i % 1000)))],
];

if (section('ops')) {
  console.log(`${OPS} calls per measurement, ${OPS_ROUNDS} rounds alternating the order: medians, and each ratio the median over the rounds.\n`);
  console.log('### Node: the npm package vs raw clients (µs per call, medians; ratio: the median over the rounds of raw time / redset time; targets: ≥ 0.88 over ioredis (0.92 the goal), ≥ 0.85 for add and over node-redis)\n');
  console.log('| operation | redset (ioredis) | raw ioredis | ratio | redset (node-redis) | raw node-redis | ratio |');
  console.log('|---|---|---|---|---|---|---|');
  for (const [name, setup, ours, rawIo, rawNr] of rows) {
    const before = name === 'peek' ? () => fill(1000) : setup;
    if (name === 'peek') await fill(1000);
    const viaIo = await compare(name === 'peek' ? none : before, [ours, rawIo], OPS_ROUNDS);
    const oursNr = async () => {
      const map = { 'add one at a time': () => times(OPS, (i) => nrSet.add(String(i), i)),
        'pop one at a time': () => times(OPS, () => nrSet.pop()),
        'take(100) until empty': () => untilEmpty(async () => (await nrSet.take(100)).length > 0),
        'ScheduledSet pop (all due)': () => times(OPS, () => schedNr.pop()),
        "ScheduledSet pop, original's lock not checked": () => times(OPS, () => unlockedNr.pop()),
        'ScheduledSet take(100) until empty': () => untilEmpty(async () => (await schedNr.take(100)).length > 0),
        peek: () => times(OPS, () => nrSet.peek()),
        len: () => times(OPS, () => nrSet.len()),
        has: () => times(OPS, (i) => nrSet.has(String(i % 1000))) };
      return map[name]();
    };
    const viaNr = await compare(name === 'peek' ? none : before, [oursNr, rawNr], OPS_ROUNDS);
    const cells = (sides) => `${sides[0].toFixed(2)} | ${sides[1].toFixed(2)} | ${sides.ratio(1, 0).toFixed(3)}`;
    console.log(`| ${name} | ${cells(viaIo)} | ${cells(viaNr)} |`);
  }
}

// The wasm boundary: a set whose execute answers at once, against the same call in
// plain JS (an async function awaiting the same execute and converting its reply).
if (section('boundary')) {
  const BOUNDARY = smoke ? 1000 : 200_000;
  const instant = () => 3;
  const viaWasm = new SortedSet(instant, 'x');
  async function plainLen(execute) {
    return Number(await execute(['ZCARD', 'x']));
  }
  const [wasmCall, jsCall] = await compare(none, [
    () => times(BOUNDARY, () => viaWasm.len()),
    () => times(BOUNDARY, () => plainLen(instant)),
  ]);
  console.log('\n### Node: one call through the wasm boundary (execute answers at once)\n');
  console.log('| call | µs per call |\n|---|---|');
  console.log(`| \`set.len()\` through wasm | ${wasmCall.toFixed(3)} |`);
  console.log(`| the same in plain JS | ${jsCall.toFixed(3)} |`);
  console.log(`| wasm boundary overhead | ${(wasmCall - jsCall).toFixed(3)} |`);
}

// At-most-once against leases on the same items, and BullMQ's worker (concurrency 1,
// a no-op job) beside the package's claim + ack one at a time.
if (section('leases')) {
  const perSecond = (micros, calls) => (OPS / (micros * calls)) * 1e6;
  const one = await compare(full, [
    () => times(OPS, () => set.pop()),
    () => times(OPS, async () => { const [lease] = await leased.claim(1, 60000); await leased.ack(lease); }),
  ]);
  const batches = Math.ceil(OPS / 100) + 1;
  const hundred = await compare(full, [
    () => untilEmpty(async () => (await set.take(100)).length > 0),
    () => untilEmpty(async () => { const got = await leased.claim(100, 60000); await leased.ackMany(got); return got.length > 0; }),
  ]);
  console.log('\n### Node: at-most-once vs leases (items/s, medians; ratio: the median over the rounds of leases / pop or take, ≥ 0.7 is the target for batches)\n');
  console.log('| mode | pop / take | claim + ack | ratio |\n|---|---|---|---|');
  // Items/s of each side, and leases / at-most-once by rounds (the time of the other).
  const rates = (sides, calls) => `${perSecond(sides[0], calls).toFixed(0)} | ${perSecond(sides[1], calls).toFixed(0)} | ${sides.ratio(0, 1).toFixed(2)}`;
  console.log(`| one at a time | ${rates(one, OPS)} |`);
  console.log(`| batches of 100 | ${rates(hundred, batches)} |`);
  // The same with each ack and the next claim in one round trip (ackAndClaim).
  for (const [mode, per] of [['one at a time, ackAndClaim', 1], ['batches of 100, ackAndClaim', 100]]) {
    const calls = Math.ceil(OPS / per) + 1;
    const paired = await compare(full, [
      () => untilEmpty(async () => (await set.take(per)).length > 0),
      async () => {
        let got = await leased.claim(per, 60000);
        let made = 1;
        while (got.length > 0) {
          got = await leased.ackAndClaim(got, per, 60000);
          made++;
        }
        return made;
      },
    ]);
    console.log(`| ${mode} | ${rates(paired, calls)} |`);
  }
}

// Flow control's and counting's rows (js/bench/flow.mjs, counting.mjs, which also run alone).
for (const name of ['flow', 'counting'].filter(section)) {
  const bench = fileURLToPath(new URL(`./${name}.mjs`, import.meta.url));
  const { stdout } = await run('node', [bench, socket, ...(smoke ? ['--smoke'] : [])], { maxBuffer: 1 << 20 });
  process.stdout.write(stdout);
}

// Batch producers: addMany against one add per item and against raw ioredis pipelining
// the same ZADDs (one command per item, one round trip).
if (section('batch')) {
  const BATCH = OPS * 10;
  const batchItems = Array.from({ length: BATCH }, (_, i) => String(i));
  const batchScores = batchItems.map((_, i) => i);
  const rates = [[], [], []];
  for (let round = 0; round < ROUNDS; round++) {
    for (const side of [0, 1, 2].map((i) => (i + round) % 3)) {
      await io.del(key);
      const started = process.hrtime.bigint();
      if (side === 0) for (let i = 0; i < BATCH; i++) await set.add(batchItems[i], i);
      else if (side === 1) await set.addMany(batchItems, { scores: batchScores });
      else {
        const pipe = io.pipeline();
        for (let i = 0; i < BATCH; i++) pipe.zadd(key, i, batchItems[i]);
        await pipe.exec();
      }
      rates[side].push(BATCH / (Number(process.hrtime.bigint() - started) / 1e9));
    }
  }
  const [oneByOne, many, piped] = rates.map(median);
  console.log(`\n### Node: batch producers (${BATCH} items, items/s, median of ${ROUNDS} rounds, ioredis)\n`);
  console.log('| add one at a time | addMany | raw pipelined ZADD | addMany / add | addMany / raw |\n|---|---|---|---|---|');
  console.log(`| ${oneByOne.toFixed(0)} | ${many.toFixed(0)} | ${piped.toFixed(0)} | ${(many / oneByOne).toFixed(1)} | ${(many / piped).toFixed(2)} |`);
}

// Installed by ./run into target/bench-node, outside js/ (see need_bullmq in ./run).
if (section('bullmq')) {
  const requireBench = createRequire(fileURLToPath(new URL('../../target/bench-node/package.json', import.meta.url)));
  const { Queue, Worker } = requireBench('bullmq');
  async function bullmqJobsPerSecond(jobs, concurrency) {
    const connection = { path: socket, maxRetriesPerRequest: null };
    const queue = new Queue('bench-bullmq', { connection });
    await queue.obliterate({ force: true });
    await queue.addBulk(Array.from({ length: jobs }, (_, i) => ({ name: 'job', data: { i }, opts: { removeOnComplete: true, removeOnFail: true } })));
    const started = process.hrtime.bigint();
    let worker;
    await new Promise((resolve) => {
      let done = 0;
      worker = new Worker('bench-bullmq', async () => {}, { connection, concurrency });
      worker.on('completed', () => { if (++done === jobs) resolve(); });
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
    return jobs / seconds;
  }
  // The package's worker, as BullMQ's: process() at the same concurrency on no-op jobs
  // (with its default prefetch: acks and the next claims share a round trip), stopped
  // when all are done.
  async function workerJobsPerSecond(jobs, concurrency) {
    await fill(jobs);
    const controller = new AbortController();
    let done = 0;
    const started = process.hrtime.bigint();
    const counts = await leased.process(async () => {
      if (++done === jobs) controller.abort();
    }, { concurrency, leaseMs: 30000, signal: controller.signal });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (counts.acked + counts.released !== jobs) throw new Error(`worker: ${JSON.stringify(counts)} of ${jobs}`);
    return jobs / seconds;
  }
  async function redsetJobsPerSecond(jobs) {
    await fill(jobs);
    const started = process.hrtime.bigint();
    for (let done = 0; done < jobs; done++) {
      const [lease] = await leased.claim(1, 30000);
      await (async () => {})(); // the same no-op job
      await leased.ack(lease);
    }
    return jobs / (Number(process.hrtime.bigint() - started) / 1e9);
  }
  const rounds = Math.max(3, Math.floor(ROUNDS / 3));
  const rows = [];
  for (const concurrency of [1, 8]) {
    const bull = [];
    const ours = [];
    const workers = [];
    for (let round = 0; round < rounds; round++) {
      bull.push(await bullmqJobsPerSecond(OPS, concurrency));
      if (concurrency === 1) ours.push(await redsetJobsPerSecond(OPS));
      workers.push(await workerJobsPerSecond(OPS, concurrency));
    }
    const [bullRate, workerRate] = [median(bull), median(workers)];
    const claimAck = concurrency === 1 ? `${median(ours).toFixed(0)} | ${(median(ours) / bullRate).toFixed(2)}` : '— | —';
    rows.push(`| ${concurrency} | ${bullRate.toFixed(0)} | ${claimAck} | ${workerRate.toFixed(0)} | ${(workerRate / bullRate).toFixed(2)} |`);
  }
  console.log(`\n### Node: BullMQ ${requireBench('bullmq/package.json').version} worker vs claim(1) + ack, and vs the package's worker (process, default prefetch), at concurrency 1 and 8 (jobs/s, ${OPS} no-op jobs, median of ${rounds} alternating runs; ≥ 2.5× is the target)\n`);
  console.log('| concurrency | BullMQ Worker | redset claim + ack | ratio | redset process() | ratio |\n|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
}

// Consumer processes draining a set while this process adds more.
if (section('drain')) {
  const drainer = fileURLToPath(new URL('./drain.mjs', import.meta.url));
  async function drain(kind, processes) {
    const name = `bench:drain:${kind}:${processes}`;
    await io.del(name, `${name}:done`);
    for (let start = 0; start < DRAIN; start += 10000) {
      const args = [];
      for (let i = start; i < Math.min(DRAIN, start + 10000); i++) args.push(0, String(i));
      await io.zadd(name, ...args);
    }
    const children = Array.from({ length: processes }, () =>
      run('node', [drainer, socket, name, kind], { maxBuffer: 256 << 20 }));
    const producer = new SortedSet(io, name);
    for (let i = DRAIN; i < DRAIN + EXTRA; i++) await producer.add(String(i), kind === 'scheduled' ? now() : 0);
    await io.set(`${name}:done`, '1');
    const results = (await Promise.all(children)).map(({ stdout }) => JSON.parse(stdout));
    const all = results.flatMap((r) => r.items);
    if (new Set(all).size !== all.length || all.length !== DRAIN + EXTRA) {
      throw new Error(`${kind} x${processes}: ${all.length} items, ${new Set(all).size} distinct, ${DRAIN + EXTRA} expected`);
    }
    const start = Math.min(...results.filter((r) => r.start).map((r) => r.start));
    const end = Math.max(...results.map((r) => r.end));
    return all.length / ((end - start) / 1000);
  }
  console.log(`\n### Node consumer processes draining ${DRAIN} items while a producer adds ${EXTRA} more (pop one at a time; exactly-once checked)\n`);
  console.log('| processes | SortedSet items/s | ScheduledSet items/s |\n|---|---|---|');
  let base;
  for (const processes of [1, 2, 4, 8]) {
    const sorted = await drain('sorted', processes);
    const scheduled = await drain('scheduled', processes);
    base ??= [sorted, scheduled];
    console.log(`| ${processes} | ${sorted.toFixed(0)} (${(sorted / base[0]).toFixed(2)}×) | ${scheduled.toFixed(0)} (${(scheduled / base[1]).toFixed(2)}×) |`);
  }
}

// A consumer draining DRAIN items with take(100), in a process of its own, beside a raw
// ioredis consumer sending the same ZPOPMIN key 100: CPU per item and peak RSS.
if (section('cpu')) {
  const rss = fileURLToPath(new URL('./rss.mjs', import.meta.url));
  const sides = ['redset', 'raw', 'raw-work', 'raw-wasm'];
  const consumers = Object.fromEntries(sides.map((side) => [side, []]));
  // One drain's CPU moves by a third from run to run (the JIT's and the scavenger's
  // timing): a round's ratio spread 0.97–1.78 in 5 rounds, and the median of 7 moved
  // by 0.1 between runs; 15 rounds narrow it.
  const rounds = smoke ? 3 : 15;
  for (let round = 0; round < rounds; round++) {
    for (const side of round % 2 ? [...sides].reverse() : sides) {
      const { stdout } = await run('node', [rss, socket, String(DRAIN), side]);
      consumers[side].push(JSON.parse(stdout));
    }
  }
  const cpus = (side) => consumers[side].map((r) => r.cpuMicros / DRAIN);
  const rsses = (side) => consumers[side].map((r) => r.maxRssKb);
  // A side against raw by rounds: the median of its CPU / raw's in the same round.
  const byRound = (values, side) => median(values(side).map((v, round) => v / values('raw')[round]));
  console.log(`\n### Node consumer draining ${DRAIN} items with take(100), beside a raw ioredis consumer sending the same commands (a process each, ${rounds} rounds; medians, and each ratio the median over the rounds of redset / raw; ≤ 1.3 for CPU and ≤ 1.2 for RSS are the targets)\n`);
  console.log('| consumer | CPU per item (µs) | peak RSS (kB) |\n|---|---|---|');
  console.log(`| raw ioredis (baseline) | ${median(cpus('raw')).toFixed(2)} | ${median(rsses('raw'))} |`);
  const row = (name, side) => console.log(`| ${name} | ${median(cpus(side)).toFixed(2)} (${byRound(cpus, side).toFixed(2)}×) | ${median(rsses(side))} (${byRound(rsses, side).toFixed(2)}×) |`);
  row('redset (ioredis)', 'redset');
  // The same raw loop with a little more work per take: its replies then outlive V8's
  // scavenges (the bare loop escapes that only as TurboFan inlines ioredis's call into
  // it), wasm or not; the package empties each reply once decoded (#emptyReply).
  row('raw ioredis + a 20-step JS loop per take', 'raw-work');
  row('raw ioredis + one call into the wasm module per take, for nothing', 'raw-wasm');
}

// Beside the original Python redset 0.5.1 (redis-py 2.10.6), when ./run gives its
// Python: the same rows, alternating which goes first, in items/s.
if (section('python')) {
  const python = process.env.REDSET_PYTHON;
  if (python) {
    const script = fileURLToPath(new URL('../../tests/benches/original.py', import.meta.url));
    const n = OPS;
    const rowsVsPython = [
      ['add one at a time', 'add', null, () => times(n, (i) => set.add(String(i), i))],
      ['take(100) until empty', 'take100', () => fill(n), async () => {
        let items = 0;
        for (;;) {
          const got = await set.take(100);
          if (got.length === 0) return items;
          items += got.length;
        }
      }],
      ['ScheduledSet pop (all due)', 'scheduled-pop', () => fill(n), () => times(n, () => sched.pop())],
    ];
    console.log(`\n### Node beside the original Python redset 0.5.1 (redis-py 2.10.6), ${n} items, items/s, median of ${ROUNDS} alternating rounds (ratio = npm package / Python, ≥ 1.0 is the target, 1.2 the goal)\n`);
    console.log('| operation | Python original | npm package (ioredis) | ratio |\n|---|---|---|---|');
    for (const [name, row, setup, ours] of rowsVsPython) {
      const rates = { python: [], node: [] };
      for (let round = 0; round < ROUNDS; round++) {
        for (const side of round % 2 ? ['node', 'python'] : ['python', 'node']) {
          if (side === 'python') {
            const { stdout } = await run(python, [script, socket, row, String(n)]);
            rates.python.push(Number(stdout));
          } else {
            await io.del(key);
            if (setup) await setup();
            const started = process.hrtime.bigint();
            const items = await ours();
            if (items !== n) throw new Error(`${name}: ${items} of ${n}`);
            rates.node.push(n / (Number(process.hrtime.bigint() - started) / 1e9));
          }
        }
      }
      const [py, ourRate] = [median(rates.python), median(rates.node)];
      console.log(`| ${name} | ${py.toFixed(0)} | ${ourRate.toFixed(0)} | ${(ourRate / py).toFixed(2)} |`);
    }
  }
}

io.disconnect();
await nr.quit();
