// HTTP Redis: an `@upstash/redis` client (REST: one HTTP request per command, JSON in
// and out). Commands go through its `exec(args)`. What HTTP JSON cannot carry exactly is
// refused with a typed error rather than corrupted:
// - arguments are sent as JSON text: a member that is not UTF-8 (a custom serializer's
//   bytes) is a SerializerError before anything is sent;
// - replies are decoded as UTF-8 by the client: a string with U+FFFD (bytes that were not
//   UTF-8) is a ProtocolError;
// - JSON numbers are doubles: an integer beyond 2^53 is a ProtocolError;
// - the client's automaticDeserialization would turn a member "007" into 7: a client
//   without `automaticDeserialization: false` is refused when the set is made.
// There is no blocking command over HTTP (no connection to hold), so waits poll.

import { ProtocolError, SerializerError } from '../errors.mjs';

export const upstash = {
  name: 'an @upstash/redis client (made with automaticDeserialization: false)',
  accepts: (client) => client != null && typeof client === 'object' && typeof client.exec === 'function' &&
    typeof client.client?.request === 'function',
  send(client) {
    if (client.opts?.automaticDeserialization !== false) {
      throw new TypeError('an @upstash/redis client must be made with { automaticDeserialization: false }: ' +
        'it would parse a member "007" into the number 7');
    }
    return (args) => {
      for (let i = 0; i < args.length; i++) {
        if (typeof args[i] !== 'string') {
          return Promise.reject(new SerializerError(
            `${String(args[0])}: argument ${i} is not valid UTF-8, and HTTP Redis carries text only; nothing was sent`,
          ));
        }
      }
      return client.exec(args).then(checked, (err) => {
        throw upstashError(err);
      });
    };
  },
  isCluster: () => false,
  freshReplies: true, // parsed from each response's JSON
};

const REPLACEMENT = '\uFFFD';

/** The reply, if HTTP JSON carried it exactly. */
function checked(reply) {
  if (typeof reply === 'string') {
    if (reply.includes(REPLACEMENT)) {
      throw new ProtocolError('a reply over HTTP had bytes that are not UTF-8 (decoded as U+FFFD): HTTP Redis is not binary-safe');
    }
  } else if (typeof reply === 'number') {
    if (Number.isInteger(reply) && !Number.isSafeInteger(reply)) {
      throw new ProtocolError(`an integer reply beyond 2^53 (${reply}) lost its precision in HTTP JSON`);
    }
  } else if (Array.isArray(reply)) {
    for (const item of reply) checked(item);
  }
  return reply;
}

// An UpstashError is the server's error reply ("NOSCRIPT …, command was: […]"): as the
// reply error it stands for, so that NOSCRIPT falls back to EVAL. Anything else (fetch
// failed, a body that is not JSON) is a connection failure.
function upstashError(err) {
  if (err?.name !== 'UpstashError') return err;
  const message = String(err.message).replace(/, command was: [\s\S]*$/, '');
  const reply = new Error(message, { cause: err });
  reply.name = 'ReplyError';
  return reply;
}
