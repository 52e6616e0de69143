// node-redis 4, 5 and 6: `createClient` and `createCluster`, with bulk replies as
// Buffers so members are binary-safe.

import { buffers } from './arguments.mjs';

/**
 * On each command for a node-redis cluster: the key to route it by, which the core
 * names (`markKeys`).
 */
const KEY = Symbol('redset first key');

/**
 * The command options that make replies binary-safe: v4's `returnBuffers`; for v5+,
 * RESP3 bulk strings as Buffers and doubles as their text, which the core parses exactly
 * (v5's own double decoder is off in the last digit): RESP_TYPES BLOB_STRING, DOUBLE.
 * Passed per call: v5 ignores a `withTypeMapping` proxy's mapping in `sendCommand`.
 */
const binarySafe = (client) => (typeof client.commandOptions === 'function'
  ? client.commandOptions({ returnBuffers: true })
  : { typeMapping: { 36: Buffer, 44: String } });

const common = {
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
    const options = binarySafe(client);
    return (args, read) => client.sendCommand(args[KEY], read === true, buffers(args), options);
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
    const options = binarySafe(client);
    return (args) => client.sendCommand(buffers(args), options);
  },
  isCluster: () => false,
  ordered: true, // one connection: commands run in the order sent
};
