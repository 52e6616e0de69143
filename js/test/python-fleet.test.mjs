// Consumers of the original Python redset 0.5.1 and of this package draining one set
// together: every item delivered once. REDSET_PYTHON names a Python that has redset
// 0.5.1 (./run test makes one in target/py-venv).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { KeyError, ScheduledSet, SortedSet } from '../../pkg/index.mjs';
import { CLIENTS, startRedis } from './helpers.mjs';

const PYTHON = process.env.REDSET_PYTHON;
const CONSUMER = fileURLToPath(new URL('../../tests/support/python_consumer.py', import.meta.url));
const ITEMS = 20000;

/** The original's consumer, started and waiting for its go signal; `result` resolves to what it popped. */
async function pythonConsumer(socket, kind, name) {
  const child = spawn(PYTHON, [CONSUMER, socket, kind, name], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  const ready = new Promise((resolve) => {
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.startsWith('ready\n')) resolve();
    });
  });
  await ready;
  const result = once(child, 'exit').then(([code]) => {
    assert.equal(code, 0, 'the python consumer failed');
    return JSON.parse(out.slice('ready\n'.length));
  });
  return { go: () => child.stdin.end('go\n'), result };
}

async function nodeConsumer(set) {
  const got = [];
  for (;;) {
    try {
      got.push(await set.pop());
    } catch (err) {
      if (err instanceof KeyError) return got;
      throw err;
    }
  }
}

describe('a mixed fleet: 2 Python redset 0.5.1 + 2 Node consumers', { skip: PYTHON ? false : 'REDSET_PYTHON is not set' }, () => {
  let server;
  before(async () => { server = await startRedis(); });
  after(async () => { await server.stop(); });

  for (const { name: clientName, connect } of [CLIENTS[0], CLIENTS[2]]) {
    for (const [kind, Kind] of [['scheduled', ScheduledSet], ['sorted', SortedSet]]) {
      test(`${kind} set, ${clientName}: 0 duplicated, 0 lost`, async () => {
        const conns = [await connect(server.socket), await connect(server.socket)];
        try {
          const name = `fleet:${clientName}:${kind}`;
          for (let i = 0; i < ITEMS; i += 5000) {
            const args = [];
            for (let j = i; j < i + 5000; j++) args.push(String(j), String(j)); // long due
            await conns[0].raw('ZADD', name, ...args);
          }
          const pythons = [await pythonConsumer(server.socket, kind, name), await pythonConsumer(server.socket, kind, name)];
          pythons.forEach((p) => p.go());
          const fromNode = await Promise.all(conns.map((c) => nodeConsumer(new Kind(c.client, name))));
          const fromPython = (await Promise.all(pythons.map((p) => p.result))).flat();
          const all = [...fromNode.flat(), ...fromPython];
          const unique = new Set(all);
          const duplicated = all.length - unique.size;
          const lost = ITEMS - unique.size;
          console.log(`${kind}, ${clientName}: Python popped ${fromPython.length}, Node ${fromNode.flat().length}; duplicated ${duplicated}, lost ${lost}`);
          assert.equal(Number(await conns[0].raw('ZCARD', name)), 0);
          assert.deepEqual({ duplicated, lost }, { duplicated: 0, lost: 0 });
          assert.ok(fromPython.length > 0, 'the Python consumers popped nothing');
        } finally {
          await Promise.all(conns.map((c) => c.close()));
        }
      });
    }
  }
});
