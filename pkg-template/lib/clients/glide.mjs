// Valkey GLIDE (`GlideClient`): `customCommand` with the Bytes decoder, its records
// (`{ key, value }`) as pairs, and its `RequestError` as the reply error it stands for.

import { buffers } from './arguments.mjs';

export const glide = {
  name: 'a Valkey GLIDE client',
  accepts: (client) => client != null && typeof client.customCommand === 'function' && typeof client.callBuffer !== 'function',
  send: (client) => (args) => client.customCommand(buffers(args), { decoder: 0 }).then(fromGlide, (err) => {
    throw glideError(err);
  }),
  isCluster: () => false,
  ordered: true, // one connection: commands run in the order sent
  freshReplies: true, // fromGlide's copy
};

// GLIDE's replies with its records ({ key, value }, e.g. ZPOPMIN's pairs) as arrays.
function fromGlide(reply) {
  if (!Array.isArray(reply)) return reply;
  return reply.map((item) => (item !== null && typeof item === 'object' && !(item instanceof Uint8Array) && !Array.isArray(item) && 'key' in item && 'value' in item
    ? [item.key, item.value]
    : fromGlide(item)));
}

// GLIDE's server errors ("WRONGTYPE: …", "… - ResponseError: …", "NoScriptError: …") as
// the reply error they stand for, with its code first; anything else (closing,
// timeouts, connection errors) stays as it is, a connection failure.
const CODES = { ResponseError: 'ERR', NoScriptError: 'NOSCRIPT', ExecAbortError: 'EXECABORT' };
function glideError(err) {
  if (err?.constructor?.name !== 'RequestError') return err;
  const text = String(err.message).replace(/^An error was signalled by the server: - /, '');
  const match = /^([A-Za-z]+): ?([\s\S]*)$/.exec(text);
  const reply = new Error(match ? `${CODES[match[1]] ?? match[1].toUpperCase()} ${match[2]}` : text, { cause: err });
  reply.name = 'ReplyError';
  return reply;
}
