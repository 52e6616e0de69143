// The packed tarball as a user gets it: installed into a fresh project, loaded with
// require and import, and its typings checked by tsc over a typed usage file.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const pkgDir = fileURLToPath(new URL('../../pkg/', import.meta.url));
const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
let project;

before(async () => {
  const tarball = readdirSync(pkgDir).find((f) => f.endsWith('.tgz'));
  assert.ok(tarball, 'pkg/*.tgz is missing: ./run build');
  project = mkdtempSync(join(tmpdir(), 'redset-install-'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  await run('npm', ['install', '--no-audit', '--no-fund', '--offline', join(pkgDir, tarball)], { cwd: project });
});
after(() => rmSync(project, { recursive: true, force: true }));

test('require() gives the classes', async () => {
  const script = `
    const { SortedSet, TimeSortedSet, ScheduledSet, KeyError, JsonSerializer } = require('redset');
    const set = new ScheduledSet(async () => 0, 'jobs');
    if (!(set instanceof SortedSet) || String(set) !== 'ScheduledSet("jobs")') process.exit(1);
    set.len().then((n) => console.log(typeof TimeSortedSet, typeof KeyError, typeof JsonSerializer, n));`;
  const { stdout } = await run('node', ['-e', script], { cwd: project });
  assert.equal(stdout.trim(), 'function function function 0');
});

test('import gives the same classes', async () => {
  const script = `
    import { SortedSet, KeyError } from 'redset';
    import cjs from 'redset';
    const set = new SortedSet(() => [], 'jobs');
    set.pop().catch((e) => console.log(e instanceof KeyError, cjs.SortedSet === SortedSet, e.message));`;
  writeFileSync(join(project, 'smoke.mjs'), script);
  const { stdout } = await run('node', ['smoke.mjs'], { cwd: project });
  assert.equal(stdout.trim(), 'true true set "jobs" is empty');
});

test('redset/testing scripts a connection, by require and by import', async () => {
  const script = `
    import { SortedSet, ConnectionError } from 'redset';
    import { scripted } from 'redset/testing';
    const cjs = (await import('node:module')).createRequire(import.meta.url)('redset/testing');
    const conn = scripted()
      .expect(['ZPOPMIN', 'jobs', '1'], ['a', '0'])
      .expectDropped(['ZPOPMIN', 'jobs', '1']);
    const jobs = new SortedSet(conn.execute, 'jobs');
    const first = await jobs.pop();
    const second = await jobs.pop().catch((e) => e instanceof ConnectionError);
    conn.assertDone();
    console.log(first, second, typeof cjs.scripted);`;
  writeFileSync(join(project, 'testing.mjs'), script);
  const { stdout } = await run('node', ['testing.mjs'], { cwd: project });
  assert.equal(stdout.trim(), 'a true function');
});

test("the wasm module names no directory of the machine that built it (the dependencies' files go from the registry down)", () => {
  const wasm = readFileSync(join(project, 'node_modules/redset/wasm/redset_wasm_bg.wasm')).toString('latin1');
  const cargoHome = process.env.CARGO_HOME ?? join(homedir(), '.cargo');
  for (const dir of [cargoHome, homedir(), fileURLToPath(new URL('../..', import.meta.url))]) {
    assert.ok(!wasm.includes(dir.replace(/\/$/, '') + '/'), `the module names ${dir}`);
  }
  assert.match(wasm, /index\.crates\.io-[0-9a-f]+\/[a-z0-9_-]+-[0-9.]+\/src\//);
});

test('the typings accept typed usage and reject misuse (tsc --noEmit)', async () => {
  writeFileSync(join(project, 'usage.ts'), `
    import {
      SortedSet, ScheduledSet, JsonSerializer, KeyError, LeaseLost,
      type Execute, type Lease, type RetryOutcome, type Stats,
    } from 'redset';
    interface Task { id: number; url: string }
    const execute: Execute = async (args) => (args[0] === 'ZCARD' ? 0 : null);
    const seen: string[] = [];
    export async function main(): Promise<unknown[]> {
      const tasks = new SortedSet<Task>(execute, 'tasks', {
        serializer: new JsonSerializer<Task>(),
        scorer: (t) => t.id,
        logger: (message, details) => { seen.push(message, details.set); },
      });
      const score: number = await tasks.add({ id: 1, url: 'a' });
      const next: Task | null = await tasks.pop().catch((e: unknown) => (e instanceof KeyError ? null : null));
      const batch: Task[] = await tasks.take(10);
      const retries = new ScheduledSet(execute, 'retries');
      const due: number = await retries.available();
      const first: string | null = await retries.peek(0);
      const added: number = await tasks.addMany([{ id: 2, url: 'b' }], { scores: [2], condition: 'nx' });
      const waited: Task[] = await tasks.takeWait(10, 1000);
      const leases: Lease<Task>[] = await tasks.claimWait(10, 30000, 1000);
      for (const lease of leases) {
        const deadline: number = await tasks.extend(lease, 30000);
        const outcome: RetryOutcome = await tasks.retry(lease, 500);
        await tasks.ack(lease).catch((e: unknown) => { if (!(e instanceof LeaseLost)) throw e; });
        seen.push(String(deadline), outcome.outcome, String(lease.token + lease.deliveries));
      }
      const stats: Stats = await tasks.stats();
      // Any AbortSignal fits; this plain one (already aborted) checks the shape.
      const signal = { aborted: true, addEventListener() {}, removeEventListener() {} };
      const done = await tasks.process(async (task) => { seen.push(task.url); }, { concurrency: 2, leaseMs: 1000, signal });
      for await (const task of tasks.consume({ signal })) seen.push(String(task?.id));
      return [score, next, batch, due, first, tasks.name, seen, added, waited, stats.inFlight, done.acked];
    }
  `);
  writeFileSync(join(project, 'misuse.ts'), `
    import { SortedSet } from 'redset';
    const set = new SortedSet<number>(async () => null, 'n');
    void set.add('not a number');
  `);
  const common = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--lib', 'es2022'];
  await run('node', [tsc, ...common, 'usage.ts'], { cwd: project }).catch((e) => assert.fail(e.stdout));
  const misuse = await run('node', [tsc, ...common, 'misuse.ts'], { cwd: project }).then(() => null, (e) => e);
  assert.ok(misuse, 'tsc accepted a string item in a SortedSet<number>');
  assert.match(misuse.stdout, /TS2345/);
});
