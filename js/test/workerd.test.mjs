// Cloudflare Workers: a worker that adds, claims and acks through ioredis (TCP, with
// nodejs_compat) and through @upstash/redis (HTTP), bundled by `wrangler deploy
// --dry-run` from the installed tarball (its `workerd` entry) and run in workerd by
// Miniflare, against a loopback redis-server. Needs target/runtimes (./run test
// installs wrangler and miniflare there).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { freePort, startRedis } from './helpers.mjs';
import { startUpstashServer } from './upstash-server.mjs';

const run = promisify(execFile);
const runtimes = fileURLToPath(new URL('../../target/runtimes/node_modules/', import.meta.url));
const devModules = fileURLToPath(new URL('../node_modules/', import.meta.url));
const pkgDir = fileURLToPath(new URL('../../pkg/', import.meta.url));
const installed = existsSync(join(runtimes, 'wrangler')) && existsSync(join(runtimes, 'miniflare'));
const COMPATIBILITY_DATE = '2025-09-01';

const WORKER = `
import Redis from 'ioredis';
import { Redis as Upstash } from '@upstash/redis/cloudflare';
import { SortedSet } from 'redset';

export default {
  async fetch(request, env) {
    const which = new URL(request.url).searchParams.get('client');
    const client = which === 'ioredis'
      ? new Redis({ host: '127.0.0.1', port: Number(env.REDIS_PORT), maxRetriesPerRequest: 1 })
      : new Upstash({ url: env.UPSTASH_URL, token: env.UPSTASH_TOKEN, automaticDeserialization: false, enableTelemetry: false });
    try {
      const set = new SortedSet(client, 'workerd:' + which);
      await set.add('a', 1);
      await set.add('b', 2);
      const leases = await set.claim(2, 30000);
      for (const lease of leases) await set.ack(lease);
      return Response.json({ claimed: leases.map((l) => l.item), tokens: leases.map((l) => l.token), stats: await set.stats() });
    } catch (err) {
      return Response.json({ error: String(err && err.stack || err) }, { status: 500 });
    } finally {
      if (which === 'ioredis') client.disconnect();
    }
  },
};
`;

describe('a Cloudflare worker (workerd, Miniflare)', { skip: installed ? false : 'target/runtimes not installed (./run test installs it)' }, () => {
  let server;
  let rest;
  let project;
  let mf;
  before(async () => {
    const port = await freePort();
    server = await startRedis({ tcpPort: port });
    rest = await startUpstashServer({ path: server.socket });
    project = mkdtempSync(join(tmpdir(), 'redset-workerd-'));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'worker', private: true }));
    const tarball = readdirSync(pkgDir).find((f) => f.endsWith('.tgz'));
    await run('npm', ['install', '--no-audit', '--no-fund', '--offline', join(pkgDir, tarball)], { cwd: project });
    // The clients from the dev tools: wrangler's bundler follows the links to their deps.
    mkdirSync(join(project, 'node_modules/@upstash'), { recursive: true });
    symlinkSync(join(devModules, 'ioredis'), join(project, 'node_modules/ioredis'));
    symlinkSync(join(devModules, '@upstash/redis'), join(project, 'node_modules/@upstash/redis'));
    writeFileSync(join(project, 'worker.mjs'), WORKER);
    writeFileSync(join(project, 'wrangler.toml'), [
      'name = "redset-test"', 'main = "worker.mjs"', `compatibility_date = "${COMPATIBILITY_DATE}"`,
      'compatibility_flags = ["nodejs_compat"]', '',
    ].join('\n'));
    await run(process.execPath, [join(runtimes, 'wrangler/bin/wrangler.js'), 'deploy', '--dry-run', '--outdir', 'out'], {
      cwd: project,
      env: { ...process.env, HOME: project, WRANGLER_SEND_METRICS: 'false', CI: '1' },
    });
    const require = createRequire(join(runtimes, 'package.json'));
    const { Miniflare } = require('miniflare');
    mf = new Miniflare({
      modules: true,
      scriptPath: join(project, 'out/worker.js'),
      modulesRoot: join(project, 'out'),
      modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
      compatibilityDate: COMPATIBILITY_DATE,
      compatibilityFlags: ['nodejs_compat'],
      bindings: { REDIS_PORT: String(port), UPSTASH_URL: rest.url, UPSTASH_TOKEN: rest.token },
    });
  });
  after(async () => {
    await mf?.dispose();
    await rest?.close();
    await server?.stop();
    if (project) rmSync(project, { recursive: true, force: true });
  });

  for (const client of ['ioredis', 'upstash']) {
    test(`adds, claims and acks through ${client}`, async () => {
      const res = await mf.dispatchFetch(`http://worker/?client=${client}`);
      const body = await res.json();
      assert.equal(res.status, 200, body.error);
      assert.deepEqual(body.claimed, ['a', 'b']);
      assert.ok(body.tokens.every((t) => Number.isInteger(t) && t > 0), String(body.tokens));
      const { waiting, due, inFlight, dead } = body.stats;
      assert.deepEqual({ waiting, due, inFlight, dead }, { waiting: 0, due: 0, inFlight: 0, dead: 0 });
    });
  }
});
