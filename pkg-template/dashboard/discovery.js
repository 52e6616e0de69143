'use strict';
// Finding sets: every set with leases, dead letters, waiting consumers, a dedup window
// or server-side counters has companion keys named by the core's rule (`companion_key`
// and the suffixes of src/core/schema), so a SCAN for those names finds it. A set used
// only with add and pop/take has none: name it.

/** The companions' suffixes (`{jobs}:leases`, …), longest alternatives first. */
const SUFFIXES = ['lease-records', 'leases', 'deliveries', 'fence', 'dead-records', 'dead', 'wake', 'waiting', 'dedup', 'counters'];
const COMPANION = new RegExp(`^([^]*)([:.])(?:${SUFFIXES.join('|')})$`);
const SCAN_COUNT = 1000;
// SCAN over a keyspace of a few million keys takes a few thousand calls; past this
// many per node the pass stops and says so rather than run on.
const MAX_SCAN_CALLS = 100000;

/** A key's hash tag by Redis's rule: the text between the first `{` and the next `}`, if not empty. */
function hashTag(key) {
  const open = key.indexOf('{');
  if (open < 0) return null;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : null;
}

/**
 * The name whose companion `key` is, if any: the inverse of `companion_key`, which gives
 * `{name}:suffix` for a name without a hash tag, `name:suffix` for a name with one,
 * `name.suffix` for a name that is nothing but a tag (`{jobs}`), and `{N}:name.suffix`
 * (N a decimal tag in the name's slot) for an empty name or one holding a `}` without a
 * tag. No two names share a key, so there is one at most.
 */
function setNamesOf(key) {
  const match = COMPANION.exec(key);
  if (!match) return [];
  const [, prefix, separator] = match;
  const tag = hashTag(prefix);
  const onlyTag = tag !== null && tag.length + 2 === prefix.length;
  if (separator === '.') {
    if (onlyTag) return [prefix];
    const numbered = /^\{\d+\}:([^]*)$/.exec(prefix);
    const name = numbered?.[1];
    return name !== undefined && (name === '' || (name.includes('}') && hashTag(name) === null)) ? [name] : [];
  }
  // `{jobs}:suffix` is the untagged `jobs`'s; any other tagged prefix is a name.
  if (onlyTag) return [tag];
  return tag !== null ? [prefix] : [];
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
    const [next, keys] = await send(['SCAN', cursor, 'COUNT', String(SCAN_COUNT)]);
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
