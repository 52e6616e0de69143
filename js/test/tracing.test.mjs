// Tracing in Node through @opentelemetry/api, read from the SDK's in-memory exporter, on
// a real redis-server: the installed tarball in a consumer project that has the API
// (an ESM and a CommonJS consumer), whose operations are spans named and attributed as
// the Rust crate's (tests/tracing.rs), and whose worker's jobs are spans around their
// handler, with the handler's own spans nested; and the same tarball in a project
// without the API, where nothing of it is loaded, in Node and in the other runtimes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { startRedis } from './helpers.mjs';

const run = promisify(execFile);
const pkgDir = fileURLToPath(new URL('../../pkg/', import.meta.url));
const devModules = fileURLToPath(new URL('../node_modules/', import.meta.url));
const runtimes = fileURLToPath(new URL('../../target/runtimes/node_modules/', import.meta.url));
// The SDK's status codes.
const UNSET = 0;
const ERROR = 2;

/** A consumer project with the tarball installed and `links` from the dev tools. */
async function project(links) {
  const dir = mkdtempSync(join(tmpdir(), 'redset-tracing-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  const tarball = readdirSync(pkgDir).find((f) => f.endsWith('.tgz'));
  assert.ok(tarball, 'pkg/*.tgz is missing: ./run build');
  await run('npm', ['install', '--no-audit', '--no-fund', '--offline', join(pkgDir, tarball)], { cwd: dir });
  for (const name of links) {
    mkdirSync(join(dir, 'node_modules', name, '..'), { recursive: true });
    symlinkSync(join(devModules, name), join(dir, 'node_modules', name));
  }
  return dir;
}

// What each traced consumer does, the same in ESM and CommonJS: operations inside an
// application span, one failing on a wrong key type; then a worker whose handler makes
// a span of its own, on three jobs — one that fails (and dies: one delivery allowed),
// one that meets a rate limit once, one that succeeds. It prints the spans as JSON.
const BODY = `
const exporter = new InMemorySpanExporter();
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const app = trace.getTracer('app');
const redis = new Redis({ path: process.argv[2] });

async function main() {
  const jobs = new SortedSet(redis, 'jobs');
  await app.startActiveSpan('app.request', async (request) => {
    await jobs.addMany(['a', 'b', 'c']);
    await jobs.ackMany(await jobs.claim(2, 30000));
    await jobs.pop();
    await jobs.pop().catch((err) => { if (err.name !== 'KeyError') throw err; });
    await redis.set('jobs', 'not a set');
    await jobs.len().then(() => { throw new Error('len() of a string'); }, (err) => { if (err.name !== 'ReplyError') throw err; });
    request.end();
  });

  const work = new SortedSet(redis, 'work', { maxDeliveries: 1 });
  await work.addMany(['fails', 'limited', 'ok']);
  let limited = false;
  const stop = new AbortController();
  const done = work.process(async (job) => {
    app.startActiveSpan('app.handler', (span) => { span.setAttribute('job', job); span.end(); });
    if (job === 'fails') throw new Error('it failed');
    if (job === 'limited' && !limited) {
      limited = true;
      throw new RateLimited(10);
    }
  }, { signal: stop.signal, pollMs: 50 });
  for (let i = 0; ; i++) {
    const { waiting, inFlight, dead } = await work.stats();
    if (waiting === 0 && inFlight === 0 && dead === 1) break;
    if (i === 2000) throw new Error('the jobs were never handled');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  stop.abort();
  const counts = await done;
  const spans = exporter.getFinishedSpans().map((span) => ({
    name: span.name,
    id: span.spanContext().spanId,
    trace: span.spanContext().traceId,
    parent: span.parentSpanContext?.spanId ?? null,
    attributes: span.attributes,
    status: span.status,
  }));
  console.log(JSON.stringify({ counts, spans }));
  redis.disconnect();
}
main().catch((err) => { console.error(err); process.exit(1); });
`;

const ESM = `
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import Redis from 'ioredis';
import { RateLimited, SortedSet } from 'redset';
${BODY}`;

const CJS = `
const { context, trace } = require('@opentelemetry/api');
const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const Redis = require('ioredis');
const { RateLimited, SortedSet } = require('redset');
${BODY}`;

describe('tracing with @opentelemetry/api installed', () => {
  let redis;
  let dir;
  before(async () => {
    redis = await startRedis();
    dir = await project(['@opentelemetry/api', '@opentelemetry/sdk-trace-base', '@opentelemetry/context-async-hooks', 'ioredis']);
    writeFileSync(join(dir, 'traced.mjs'), ESM);
    writeFileSync(join(dir, 'traced.cjs'), CJS);
  });
  after(async () => {
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const [consumer, file] of [['an ESM', 'traced.mjs'], ['a CommonJS', 'traced.cjs']]) {
    describe(`${consumer} consumer`, () => {
      let spans;
      let counts;
      before(async () => {
        const { stdout } = await run('node', [file, redis.socket], { cwd: dir });
        ({ spans, counts } = JSON.parse(stdout));
        await run('redis-cli', ['-s', redis.socket, 'flushall']);
      });

      test('every operation is a span with the set, the items and the outcome, under the caller\'s span', () => {
        const request = spans.find((s) => s.name === 'app.request');
        const ops = spans.filter((s) => s.parent === request.id);
        assert.deepEqual(ops.map((s) => s.name), [
          'redset.add_many', 'redset.claim', 'redset.ack_many', 'redset.pop', 'redset.pop', 'redset.len',
        ]);
        assert.ok(ops.every((s) => s.trace === request.trace));
        const [, claim, , popped, empty, failed] = ops;
        assert.deepEqual(claim.attributes, {
          'redset.set': 'jobs', 'redset.operation': 'claim', 'redset.items': 2, 'redset.outcome': 'ok',
        });
        assert.equal(claim.status.code, UNSET);
        assert.equal(popped.attributes['redset.items'], 1);
        // An empty set is an outcome, not a failure; a wrong key type is a failure.
        assert.equal(empty.attributes['redset.outcome'], 'empty');
        assert.equal(empty.status.code, UNSET);
        assert.equal(failed.attributes['redset.outcome'], 'server_error');
        assert.equal(failed.status.code, ERROR);
        assert.match(failed.status.message, /WRONGTYPE/);
        assert.match(failed.attributes['error.message'], /WRONGTYPE/);
      });

      test('a worker job is a span around its handler and its settling, the handler\'s spans inside', () => {
        assert.deepEqual(counts, { acked: 2, retried: 1, released: 0, rateLimited: 1 });
        const jobs = spans.filter((s) => s.name === 'redset.job');
        const outcomes = jobs.map((s) => s.attributes['redset.outcome']).sort();
        assert.deepEqual(outcomes, ['acked', 'acked', 'rate_limited', 'retried']);
        for (const job of jobs) {
          assert.equal(job.attributes['redset.set'], 'work');
          assert.equal(job.attributes['redset.operation'], 'process');
          assert.equal(job.attributes['redset.items'], 1);
          assert.ok(job.attributes['redset.token'] > 0);
          assert.equal(job.attributes['redset.deliveries'], 1);
        }
        const failed = jobs.find((s) => s.attributes['redset.outcome'] === 'retried');
        assert.equal(failed.status.code, ERROR);
        assert.equal(failed.attributes['error.message'], 'it failed');
        for (const acked of jobs.filter((s) => s.attributes['redset.outcome'] === 'acked')) {
          assert.equal(acked.status.code, UNSET);
        }
        // Each handler's own span is a child of its job's span.
        const handlers = spans.filter((s) => s.name === 'app.handler');
        assert.equal(handlers.length, 4);
        for (const handler of handlers) {
          const job = jobs.find((s) => s.id === handler.parent);
          assert.ok(job, `${handler.attributes.job}'s span is in no job's`);
          assert.equal(handler.trace, job.trace);
        }
        // As in Rust, the worker's own claims, acks and extends are not spans of their own.
        const worker = spans.filter((s) => s.attributes['redset.set'] === 'work' && s.name !== 'redset.job');
        assert.deepEqual([...new Set(worker.map((s) => s.name))], ['redset.add_many', 'redset.stats']);
      });
    });
  }

  test('with the API but no SDK registered, operations run as without it', async () => {
    writeFileSync(join(dir, 'untraced.mjs'), `
      import Redis from 'ioredis';
      import { SortedSet } from 'redset';
      const redis = new Redis({ path: process.argv[2] });
      const set = new SortedSet(redis, 'plain');
      await set.add('x', 1);
      console.log(await set.pop(), await set.len());
      redis.disconnect();`);
    const { stdout } = await run('node', ['untraced.mjs', redis.socket], { cwd: dir });
    assert.equal(stdout.trim(), 'x 0');
  });
});

describe('without @opentelemetry/api', () => {
  let redis;
  let dir;
  before(async () => {
    redis = await startRedis();
    dir = await project(['ioredis']);
    writeFileSync(join(dir, 'plain.mjs'), `
      import { createRequire } from 'node:module';
      import Redis from 'ioredis';
      import { SortedSet } from 'redset';
      const redis = new Redis({ path: process.argv[2] });
      const set = new SortedSet(redis, 'plain');
      await set.add('x', 1);
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((path) => path.includes('opentelemetry'));
      console.log(await set.pop(), loaded.length);
      redis.disconnect();`);
    writeFileSync(join(dir, 'plain.cjs'), `
      const Redis = require('ioredis');
      const { SortedSet } = require('redset');
      const redis = new Redis({ path: process.argv[2] });
      const set = new SortedSet(redis, 'plain');
      set.add('y', 1).then(() => set.pop()).then((item) => {
        console.log(item, Object.keys(require.cache).filter((path) => path.includes('opentelemetry')).length);
        redis.disconnect();
      });`);
  });
  after(async () => {
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the package loads by import and require, and loads nothing of OpenTelemetry', async () => {
    assert.equal((await run('node', ['plain.mjs', redis.socket], { cwd: dir })).stdout.trim(), 'x 0');
    assert.equal((await run('node', ['plain.cjs', redis.socket], { cwd: dir })).stdout.trim(), 'y 0');
  });

  const others = [
    ['Bun', join(runtimes, '.bin/bun'), (file) => [file]],
    ['Deno', join(runtimes, '.bin/deno'), (file) => ['run', '-A', file]],
  ];
  for (const [name, bin, args] of others) {
    test(`the package loads under ${name}`, { skip: existsSync(bin) ? false : 'target/runtimes not installed (./run test installs it)' }, async () => {
      const { stdout } = await run(bin, [...args('plain.mjs'), redis.socket], { cwd: dir });
      assert.equal(stdout.trim(), 'x 0');
    });
  }
});
