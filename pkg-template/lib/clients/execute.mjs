// An `execute(args)` function as the client: it is called with each command and its
// reply (or its rejection, an `Error` for a Redis error reply) is the command's.

import { buffers } from './arguments.mjs';

export const execute = {
  name: 'an execute(args) function',
  accepts: (client) => typeof client === 'function',
  // A copy: the user's function may keep or change what it is given.
  send: (client) => (args) => client(buffers(args).slice()),
  isCluster: () => false,
};
