// Test support: a real redis-server on a unix socket in a temp dir, and the matrix of
// clients the package supports.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

const require = createRequire(import.meta.url);

/**
 * A redis-server of its own on a unix socket in a temp dir (and on `tcpPort` of
 * loopback, if given, for clients without unix sockets). `durable`: every write is
 * fsynced before the reply (appendfsync always), so that `restart()` (SIGKILL, then the
 * same server again on the same files) loses nothing acknowledged.
 */
export async function startRedis({ durable = false, tcpPort = 0 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'redset-js-'));
  const socket = join(dir, 'redis.sock');
  const log = join(dir, 'redis.log');
  const persistence = durable ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  // REDSET_SERVER names another server binary (./run test runs the suites on Valkey).
  const spawnServer = () => spawn(process.env.REDSET_SERVER ?? 'redis-server', ['--port', String(tcpPort), '--bind', '127.0.0.1', '--save', '',
    ...persistence, '--unixsocket', socket, '--dir', dir, '--logfile', log], { stdio: 'ignore' });
  const readLog = () => { try { return readFileSync(log, 'utf8'); } catch { return ''; } };
  const Redis = require('ioredis');
  const ready = async (child) => {
    for (let i = 0; i < 500; i++) {
      const probe = new Redis({ path: socket, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: null });
      try {
        await probe.connect();
        await probe.ping();
        probe.disconnect();
        return;
      } catch {
        probe.disconnect();
        await sleep(20);
      }
    }
    child.kill();
    throw new Error(`redis-server did not start: ${readLog()}`);
  };
  let child = spawnServer();
  await ready(child);
  const exited = (c) => new Promise((resolve) => { if (c.exitCode !== null || c.signalCode !== null) resolve(); else c.once('exit', resolve); });
  return {
    socket,
    url: `redis+unix://${socket}`,
    log: readLog,
    async restart() {
      child.kill('SIGKILL');
      await exited(child);
      rmSync(socket, { force: true });
      child = spawnServer();
      await ready(child);
    },
    async stop() {
      child.kill();
      await exited(child);
      // Deno may report the exit before the server's last writes are done (the log's
      // last line, the socket's unlink): a removal that meets a new entry goes again,
      // a bounded number of times.
      for (let tries = 1; ; tries++) {
        try {
          rmSync(dir, { recursive: true, force: true });
          return;
        } catch (err) {
          if (!/ENOTEMPTY/.test(`${err?.code} ${err?.message}`) || tries === 50) throw err;
          await sleep(20);
        }
      }
    },
  };
}

const ioredis = (pkg) => async (socket) => {
  const Redis = require(pkg);
  const client = new Redis({ path: socket });
  return { client, raw: (...args) => client.call(...args), close: () => client.disconnect() };
};

const nodeRedis = (pkg, options = {}) => async (socket) => {
  const { createClient } = require(pkg);
  const client = createClient({ socket: { path: socket }, ...options });
  client.on('error', () => {});
  await client.connect();
  return {
    client,
    raw: (...args) => client.sendCommand(args.map(String)),
    close: () => client.disconnect(),
  };
};

/** Every client and protocol the package is tested with. */
export const CLIENTS = [
  { name: 'ioredis 6 (RESP3)', connect: ioredis('ioredis') },
  { name: 'ioredis 5 (RESP2)', connect: ioredis('ioredis5') },
  { name: 'node-redis 6 (RESP3)', connect: nodeRedis('redis') },
  { name: 'node-redis 5 (RESP2)', connect: nodeRedis('redis5') },
  { name: 'node-redis 5 (RESP3)', connect: nodeRedis('redis5', { RESP: 3 }) },
  { name: 'node-redis 4 (RESP2)', connect: nodeRedis('redis4') },
];

export const now = () => Date.now() / 1000;

/**
 * Starts one redis-server for the file and runs `suite(t)` once per client of the
 * matrix, in a describe named after it. `t.conn` is that client's connection (set
 * before the tests run), `t.key(what)` a fresh key, `t.server` the server,
 * `t.clientName` and `t.clientIndex` the client's.
 */
export function eachClient(suite) {
  let server;
  before(async () => { server = await startRedis(); });
  after(async () => { await server.stop(); });
  CLIENTS.forEach(({ name, connect }, index) => {
    describe(name, () => {
      let n = 0;
      const t = {
        conn: null,
        clientName: name,
        clientIndex: index,
        get server() { return server; },
        key: (what) => `${name}:${what}:${++n}`,
      };
      before(async () => { t.conn = await connect(server.socket); });
      after(async () => { await t.conn.close(); });
      suite(t);
    });
  });
}

// Loopback ports for the tests' own servers are picked below Linux's ephemeral range
// (32768 up), where outgoing connections take their source ports: a port probed free
// there could be taken by a client's connection before the server bound it (a cluster
// node of a Valkey pass exited so, "Address already in use"). A cluster node's bus port
// (+10000) stays below it too.
const PORTS_FROM = 20000;
const PORTS_TO = 22767;

/** Whether `port` of loopback can be listened on now. */
function isFree(port) {
  return new Promise((resolve) => {
    const probe = createServer().once('error', () => resolve(false))
      .listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/**
 * A loopback port free now (not one of `taken`), and its cluster-bus port (+10000) too
 * where `bus`. Another process may still take it before a server binds it: a server that
 * then exits is started again on another (see startCluster).
 */
export async function freePort({ taken = [], bus = false } = {}) {
  for (let i = 0; i < 1000; i++) {
    const port = PORTS_FROM + Math.floor(Math.random() * (PORTS_TO - PORTS_FROM + 1));
    if (!taken.includes(port) && await isFree(port) && (!bus || await isFree(port + 10000))) return port;
  }
  throw new Error(`no free port on loopback from ${PORTS_FROM} to ${PORTS_TO}`);
}

/**
 * A real Redis Cluster: 3 masters and 3 replicas of redis-server (or REDSET_SERVER) on
 * loopback ports, joined by `redis-cli --cluster create`, with a short node timeout.
 * `nodes` are `{ host, port }`; `stop()` kills them and removes the temp dir.
 */
export async function startCluster() {
  const dir = mkdtempSync(join(tmpdir(), 'redset-cluster-'));
  const spawnNode = (port) => {
    const nodeDir = join(dir, String(port));
    mkdirSync(nodeDir, { recursive: true });
    return spawn(process.env.REDSET_SERVER ?? 'redis-server', ['--port', String(port), '--bind', '127.0.0.1',
      '--cluster-enabled', 'yes', '--cluster-node-timeout', '1000', '--save', '', '--appendonly', 'no',
      '--repl-diskless-sync-delay', '0', '--cluster-replica-validity-factor', '0',
      '--dir', nodeDir, '--logfile', join(nodeDir, 'redis.log')], { stdio: 'ignore' });
  };
  const Redis = require('ioredis');
  const ask = async (port, ...args) => {
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: null });
    try {
      await probe.connect();
      return String(await probe.call(...args));
    } catch {
      return '';
    } finally {
      probe.disconnect();
    }
  };
  const ports = [];
  const children = [];
  const until = async (what, ready) => {
    for (let i = 0; i < 400; i++) {
      if (await ready()) return;
      await sleep(50);
    }
    children.forEach((c) => c.kill());
    throw new Error(`cluster: ${what} not within 20 s`);
  };
  // Each node answers PING, or starts again on another port if it exited (its port was
  // taken between the pick and its bind); five such exits in all are an error.
  for (let exits = 0; ports.length < 6;) {
    const port = await freePort({ taken: ports, bus: true });
    const child = spawnNode(port);
    const exited = () => child.exitCode !== null || child.signalCode !== null;
    await until(`node ${port}`, async () => exited() || (await ask(port, 'PING')) === 'PONG');
    if (!exited()) {
      ports.push(port);
      children.push(child);
    } else if (++exits === 5) {
      children.forEach((c) => c.kill());
      throw new Error(`cluster: 5 nodes exited, the last: ${readFileSync(join(dir, String(port), 'redis.log'), 'utf8')}`);
    }
  }
  const { execFileSync } = await import('node:child_process');
  execFileSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes'], { stdio: 'ignore' });
  for (const port of ports) {
    await until(`cluster_state:ok on ${port}`, async () => {
      const info = await ask(port, 'CLUSTER', 'INFO');
      const replication = await ask(port, 'INFO', 'replication');
      return info.includes('cluster_state:ok') && info.includes('cluster_slots_ok:16384') &&
        (replication.includes('role:master') || replication.includes('master_link_status:up'));
    });
  }
  return {
    nodes: ports.map((port) => ({ host: '127.0.0.1', port })),
    async stop() {
      await Promise.all(children.map((c) => new Promise((resolve) => {
        if (c.exitCode !== null || c.signalCode !== null) resolve();
        else { c.once('exit', resolve); c.kill(); }
      })));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
