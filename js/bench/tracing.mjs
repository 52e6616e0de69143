// What tracing costs a call in Node: `len()` on an `execute` function that answers at
// once (no I/O, so the call is all redset), timed in interleaved batches with tracing
// off (no @opentelemetry/api: the one check), with the API but no SDK registered (its
// no-op spans), and with an SDK recording every span (to an exporter that drops them).
// Prints the median µs per call of each and the difference to "off".
//   node tracing.mjs [CALLS_PER_BATCH] [ROUNDS]
import { createRequire } from 'node:module';

import { SortedSet } from '../../pkg/index.mjs';
import { useTracing } from '../../pkg/lib/tracing.mjs';

const require = createRequire(import.meta.url);
const api = require('@opentelemetry/api');
const { BasicTracerProvider, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');

const [calls = 2000, rounds = 30] = process.argv.slice(2).map(Number);
const set = new SortedSet(() => 0, 'bench:tracing');

/** µs per call of one batch, with `otel` (or null) as what the entry found. */
async function batch(otel) {
  useTracing(otel);
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await set.len();
  return Number(process.hrtime.bigint() - start) / 1000 / calls;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

/** Medians of `off` and `on` batches, run alternately after a warm-up of each. */
async function interleaved(on) {
  await batch(null);
  await batch(on);
  const times = { off: [], on: [] };
  for (let r = 0; r < rounds; r++) {
    times.off.push(await batch(null));
    times.on.push(await batch(on));
  }
  return { off: median(times.off), on: median(times.on) };
}

const rows = [];
// No provider registered yet: the API's tracer makes no-op spans.
rows.push(['@opentelemetry/api, no SDK registered', await interleaved(api)]);
const drop = { export: (spans, done) => done({ code: 0 }), shutdown: async () => {} };
api.trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(drop)] }));
rows.push(['@opentelemetry/api and an SDK recording every span', await interleaved(api)]);
useTracing(null);

console.log(`${calls} len() calls per batch, ${rounds} rounds, medians (µs per call), Node ${process.version}`);
console.log('| tracing | without @opentelemetry/api | with | difference |');
console.log('|---|---|---|---|');
for (const [name, { off, on }] of rows) {
  console.log(`| ${name} | ${off.toFixed(2)} | ${on.toFixed(2)} | +${(on - off).toFixed(2)} |`);
}
