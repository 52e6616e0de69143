// node-redis 4, 5 and 6: `createClient` and `createCluster`, with bulk replies as
// Buffers so members are binary-safe.

import { buffers } from './arguments.mjs';

/**
 * On each command for a node-redis cluster: the key to route it by, which the core
 * names (`markKeys`).
 */
const KEY = Symbol('redset first key');

/**
 * The command options that make replies binary-safe: v4's `returnBuffers` (RESP2: its
 * doubles are bulk strings); for v5+, RESP3 bulk strings as Buffers, and doubles as
 * their text, which the core parses exactly (v5's own double decoder is off in the last
 * digit), or as numbers where the core only checks them (see typeMapping).
 */
const binarySafe = (client, scoresAsNumbers) => (typeof client.commandOptions === 'function'
  ? client.commandOptions({ returnBuffers: true })
  : { typeMapping: typeMapping(scoresAsNumbers) });

/**
 * RESP_TYPES BLOB_STRING as Buffers, DOUBLE as its text or (`scoresAsNumbers`) as
 * node-redis's own number: cheaper, a take(100)'s scores as text cost node-redis about
 * 30 µs more than as numbers (issue 20). Made when asked: Buffer may not exist.
 */
const typeMapping = (scoresAsNumbers) => (scoresAsNumbers ? { 36: Buffer } : { 36: Buffer, 44: String });

/**
 * Per client: its `withTypeMapping` proxies once a PING through one came back
 * binary-safe, doubles as text (`proxy`) and as numbers (`numbers`).
 */
const proxies = new WeakMap();

/**
 * `send(to, options, args, read)` for `client` with replies binary-safe, doubles as
 * numbers where `scoresAsNumbers`: the options given with each command, until one PING
 * (`probe`) through a `withTypeMapping` proxy comes back as a Buffer; from then on
 * through that proxy or its twin with doubles as numbers, without options.
 * Options given per call are merged into a new object on every command, which cost a
 * node-redis 6 `add` about a seventh of its CPU (issue 20). A v6 proxy keeps its type
 * mapping in `sendCommand`; v5's drops it (node-redis 3055, fixed in 6.0), and only the
 * reply tells the two apart. One PING per client, on its first command once the client
 * is ready: a PING refused (a user whose ACL denies it) or unanswered leaves the options
 * per call for good, not a PING before every command.
 */
function binarySafeSend(client, probe, send) {
  const options = [binarySafe(client, false), binarySafe(client, true)];
  const optionsFor = (scoresAsNumbers) => options[scoresAsNumbers === true ? 1 : 0];
  if (typeof client.withTypeMapping !== 'function') {
    return (args, read, scoresAsNumbers) => send(client, optionsFor(scoresAsNumbers), args, read);
  }
  let state = proxies.get(client);
  if (state === undefined) {
    state = { proxy: null, numbers: null, probed: false };
    proxies.set(client, state);
  }
  return (args, read, scoresAsNumbers) => {
    if (state.proxy !== null) return send(scoresAsNumbers === true ? state.numbers : state.proxy, undefined, args, read);
    // A client that is not connected yet is asked on a later command.
    if (!state.probed && client.isReady !== false) {
      state.probed = true;
      probeProxy(client, probe, state);
    }
    return send(client, optionsFor(scoresAsNumbers), args, read);
  };
}

/** The PING of binarySafeSend; it never rejects, and nothing of it reaches a command. */
async function probeProxy(client, probe, state) {
  try {
    const proxy = client.withTypeMapping(typeMapping(false));
    if ((await probe(proxy)) instanceof Uint8Array) {
      state.numbers = client.withTypeMapping(typeMapping(true));
      state.proxy = proxy;
    }
  } catch {
    // No proxy, or a PING refused or unanswered: options per call.
  }
}

const common = {
  freshReplies: true, // parsed for each command
  duplicate: async (client) => {
    const copy = client.duplicate();
    copy.on?.('error', () => {}); // failures reach the commands' promises
    await copy.connect(); // node-redis duplicates start closed
    return copy;
  },
  // v5+ `destroy()` closes without waiting for replies; v4 has only `disconnect()`.
  close: (client) => (typeof client.destroy === 'function' ? client.destroy() : client.disconnect()),
};

/** A `createCluster` client: its sendCommand takes the first key to route by. */
export const nodeRedisCluster = {
  ...common,
  name: 'a node-redis cluster',
  accepts: (client) => client != null && typeof client === 'object' && typeof client.getSlotMaster === 'function' &&
    typeof client.sendCommand === 'function' && typeof client.callBuffer !== 'function',
  send(client) {
    return binarySafeSend(
      client,
      (proxy) => proxy.sendCommand(undefined, true, ['PING', 'redset']),
      (to, options, args, read) => to.sendCommand(args[KEY], read === true, buffers(args), options),
    );
  },
  isCluster: () => true,
  ordered: true, // a set's keys are in one slot: one node's connection, in order
  routeKey: KEY,
};

/** A `createClient` client. */
export const nodeRedis = {
  ...common,
  name: 'a node-redis client',
  accepts: (client) => client != null && typeof client.sendCommand === 'function',
  send(client) {
    return binarySafeSend(
      client,
      (proxy) => proxy.sendCommand(['PING', 'redset']),
      (to, options, args) => to.sendCommand(buffers(args), options),
    );
  },
  isCluster: () => false,
  ordered: true, // one connection: commands run in the order sent
};
