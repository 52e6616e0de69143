// ioredis 5 and 6 and iovalkey, `Redis` or `Cluster`: commands through `callBuffer`, so
// bulk replies are Buffers and members binary-safe.

import { buffers } from './arguments.mjs';

export const ioredis = {
  name: 'an ioredis or iovalkey client',
  accepts: (client) => client != null && typeof client.callBuffer === 'function',
  send(client) {
    if (client.isCluster === true) {
      // A Cluster sends a command without a key to any node; WAIT must count the
      // replicas of the master that took the write: ask every master, take the least.
      return (args) => (args[0] === 'WAIT'
        ? Promise.all(client.nodes('master').map((node) => node.call('WAIT', args[1], args[2])))
          .then((counts) => Math.min(...counts))
        : client.callBuffer(...buffers(args)));
    }
    return (args) => client.callBuffer(...buffers(args));
  },
  isCluster: (client) => client.isCluster === true,
  // Commands sent one after another run in that order (one connection per node).
  ordered: true,
  freshReplies: true, // parsed for each command
  // ioredis lowercases a command's name several times as it sends it, making a new
  // string each time unless the name is lowercase already. By their lowercase names it
  // also knows the commands whose RESP3 [member, score] rows it flattens, a copy of every
  // reply: ZPOPMIN keeps its name, as a take's flattening cost more (4.5 µs of a
  // take(100), issue 20) than the lowercasing does; ZRANGE, one row for a peek, goes in
  // lowercase (side by side, a peek 1–4% quicker so).
  lowercaseNames: { keep: ['ZPOPMIN'] },
  duplicate: async (client) => {
    const copy = client.duplicate(); // it connects by itself
    copy.on?.('error', () => {}); // failures reach the commands' promises
    return copy;
  },
  close: (client) => client.disconnect(),
};
