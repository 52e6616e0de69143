// Client adapters: which Redis client a set was given (ioredis or iovalkey, node-redis,
// Valkey GLIDE, @upstash/redis over HTTP, or an execute function), and how to send it a
// command.
// Each adapter is `{ name, accepts(client), send(client) → (args, read,
// scoresAsNumbers) → reply, isCluster(client), ordered?, freshReplies?, routeKey?,
// lowercaseNames?, duplicate?(client), close?(client) }`: `duplicate` and `close` give
// waits connections of their own (see ../wait-connections.mjs); `ordered` says that
// commands sent without waiting for replies run in the order sent (else a pipeline
// step's commands go one after another); `freshReplies` that each reply is a value the
// client made for that command alone, which the driver empties once decoded (see its
// #emptyReply); `lowercaseNames` that the client takes command names in lowercase more
// cheaply, but for the names in its `keep`.
//
// Replies come back as Buffers where the client can, so members are binary-safe, and
// RESP3 doubles as their text, exact; or as numbers where `scoresAsNumbers` says the core
// only checks them and the client decodes numbers more cheaply (node-redis). What a send
// throws is sorted out by the driver: a Redis error reply is handed to the core as an
// `Error` (it needs NOSCRIPT to fall back to EVAL), anything else is a connection
// failure.

import { execute } from './execute.mjs';
import { glide } from './glide.mjs';
import { ioredis } from './ioredis.mjs';
import { nodeRedis, nodeRedisCluster } from './node-redis.mjs';
import { upstash } from './upstash.mjs';

// In order: the first that accepts a client is its adapter.
const ADAPTERS = [execute, glide, ioredis, nodeRedisCluster, nodeRedis, upstash];

/** The adapter for `client`; a TypeError for anything else. */
export function adapterFor(client) {
  for (const adapter of ADAPTERS) if (adapter.accepts(client)) return adapter;
  throw new TypeError(`client must be ${ADAPTERS.map((a) => a.name).join(', ')}`);
}

const REPLY_ERROR_NAMES = new Set(['ReplyError', 'ErrorReply', 'SimpleError', 'BlobError']);

/** Whether a client's rejection is a Redis error reply; one that cannot be read is not. */
export function isReplyError(err) {
  try {
    return err instanceof Error && (REPLY_ERROR_NAMES.has(err.name) || REPLY_ERROR_NAMES.has(err.constructor?.name));
  } catch {
    return false;
  }
}
