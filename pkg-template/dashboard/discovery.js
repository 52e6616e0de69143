'use strict';
// Finding sets: every set with leases, dead letters, waiting consumers, flow control,
// groups, a dedup window or server-side counters has companion keys named by the core's
// rule, so a SCAN for those names finds it. The suffixes and the way back from a key to
// its set are the core's (the wasm binding's `companionSuffixes` and
// `setsOfCompanion`), as the Rust host's are. A set used only with add and pop/take has
// none: name it.
require('../index.js'); // sets the wasm binding
const { binding } = require('../lib/binding.mjs');

const SCAN_COUNT = 1000;
// SCAN over a keyspace of a few million keys takes a few thousand calls; past this
// many per node the pass stops and says so rather than run on.
const MAX_SCAN_CALLS = 100000;

let companionEnding = null;

/**
 * The names of the sets whose companion `key` is (one at most): keys that end like a
 * companion (`:leases`, `.flow`, …) are asked of the core, which makes each candidate's
 * key again to check it.
 */
function setNamesOf(key) {
  companionEnding ??= new RegExp(`[:.](?:${binding().companionSuffixes().join('|')})$`);
  return companionEnding.test(key) ? binding().setsOfCompanion(key) : [];
}

const text = (reply) => (typeof reply === 'string' ? reply : Buffer.from(reply).toString('utf8'));

/**
 * The nodes to scan, each a `send(args)`: every master of an ioredis Cluster or a
 * node-redis cluster, else the client itself (ioredis, node-redis, or `execute(args)`).
 */
async function scanTargets(client) {
  if (typeof client === 'function') return [client];
  if (client.isCluster === true && typeof client.nodes === 'function') {
    return client.nodes('master').map((node) => (args) => node.call(...args));
  }
  if (Array.isArray(client.masters) && typeof client.nodeClient === 'function') {
    const nodes = await Promise.all(client.masters.map((master) => client.nodeClient(master)));
    return nodes.map((node) => (args) => node.sendCommand(args));
  }
  if (typeof client.call === 'function') return [(args) => client.call(...args)];
  if (typeof client.sendCommand === 'function') return [(args) => client.sendCommand(args)];
  throw new TypeError('client: an ioredis or node-redis client, or an execute(args) function');
}

/** Every key of one node, a SCAN batch at a time. */
async function* scanKeys(send) {
  let cursor = '0';
  for (let calls = 0; calls < MAX_SCAN_CALLS; calls++) {
    // Every companion key holds a `}`: its hash tag ends there.
    const [next, keys] = await send(['SCAN', cursor, 'MATCH', '*}*', 'COUNT', String(SCAN_COUNT)]);
    yield* keys.map(text);
    cursor = text(next);
    if (cursor === '0') return;
  }
  throw new Error(`SCAN did not finish within ${MAX_SCAN_CALLS} calls`);
}

/**
 * The names of the sets whose companion keys are in Redis, in the order found. Of the
 * candidates for a key, each that is a sorted set; if none is, the first that does not
 * exist (a set whose items are all in flight or dead) — unless one is a key of another
 * type: then the key only looks like a companion.
 */
async function discoverSets(client) {
  const targets = await scanTargets(client);
  const candidates = new Map();
  for (const send of targets) {
    for await (const key of scanKeys(send)) {
      const names = setNamesOf(key);
      if (names.length > 0) candidates.set(names.join('\0'), names);
    }
  }
  const send = targets[0];
  const found = new Set();
  for (const names of candidates.values()) {
    const types = await Promise.all(names.map((name) => keyType(client, send, name)));
    const sets = names.filter((_, i) => types[i] === 'zset');
    if (sets.length === 0 && types.every((type) => type === 'none')) sets.push(names[0]);
    for (const name of sets) found.add(name);
  }
  return [...found];
}

/** TYPE of a key, asked of the node that holds it (on a cluster, by the client's routing). */
async function keyType(client, send, key) {
  if (typeof client === 'function') return text(await client(['TYPE', key]));
  if (typeof client.type === 'function') return text(await client.type(key));
  if (typeof client.TYPE === 'function') return text(await client.TYPE(key));
  return text(await send(['TYPE', key]));
}

module.exports = { discoverSets, setNamesOf };
