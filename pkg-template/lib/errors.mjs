// The package's error classes (and RateLimited, which a worker's handler throws), and
// how an error thrown by the wasm binding (a plain `Error` whose `name` the core chose)
// becomes one of them.

import { binding } from './binding.mjs';

/**
 * What a process() handler throws when it meets an outside rate limit (an HTTP 429):
 * the worker gives the item back without counting a delivery, and the whole set hands
 * out nothing for `retryAfterMs`. Not a RedsetError: redset never throws it.
 */
export class RateLimited extends Error {
  constructor(retryAfterMs, message = `rate limited: retry after ${retryAfterMs} ms`) {
    super(message);
    this.name = 'RateLimited';
    this.retryAfterMs = retryAfterMs;
  }
}

/** Base class of redset's errors. */
export class RedsetError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = new.target.name;
  }
}
/** No (eligible) item: an empty `pop()`, or `peek(position)` past the end. */
export class KeyError extends RedsetError {}
/** Redis answered with an error reply (`WRONGTYPE …`); `code` is its first word. */
export class ReplyError extends RedsetError {}
/** `execute` (the Redis client) threw or rejected; `cause` is what it threw. */
export class ConnectionError extends RedsetError {}
/** A reply had a shape the operation does not expect. */
export class ProtocolError extends RedsetError {}
/** The serializer failed (or returned neither a string nor a Uint8Array). */
export class SerializerError extends RedsetError {}
/**
 * A scheduled pop waited `lockTimeout` seconds for the original Python redset's lock
 * (`name__lock`) and gave up: the original's `LockTimeout`. Nothing was taken.
 */
export class LockTimeout extends RedsetError {}
/**
 * A lease is no longer held: it expired and the item was claimed again (by a greater
 * fencing token), or it was acked, retried or released already. `tokens` names the
 * leases concerned; nothing was changed for them.
 */
export class LeaseLost extends RedsetError {}
/**
 * No reply within the set's `timeout`. `mayHaveTakenEffect` says whether the command
 * sent could still change the set when the server gets to it (false only for reads).
 */
export class TimeoutError extends RedsetError {}
/**
 * A write took effect on the master but fewer replicas than `waitForReplicas` asked for
 * acknowledged it in time (`acked`, `wanted`): a failover could lose it. Safe to repeat.
 */
export class NotReplicated extends RedsetError {}

const CLASSES = { KeyError, ReplyError, ConnectionError, ProtocolError, SerializerError, LockTimeout, LeaseLost, TimeoutError, NotReplicated, RangeError, TypeError };
const FIELDS = ['set', 'position', 'code', 'serverMessage', 'lock', 'tokens', 'acked', 'wanted', 'needs'];

/** Throws `err` as the package's class for it: a wasm trap is a panic, with its message. */
export function rethrow(err) {
  if (err instanceof RedsetError) throw err;
  if (err instanceof WebAssembly.RuntimeError) {
    const message = binding().takePanicMessage() ?? err.message;
    throw new RedsetError(`redset panicked: ${message}`, { cause: err });
  }
  const Class = err instanceof Error && Object.hasOwn(CLASSES, err.name) ? CLASSES[err.name] : null;
  if (!Class) throw err;
  const out = new Class(err.message, 'cause' in err ? { cause: err.cause } : undefined);
  for (const field of FIELDS) if (field in err) out[field] = err[field];
  throw out;
}

/** What was thrown, as text, even when reading it throws too. */
export function describe(err) {
  try {
    return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  } catch {
    return 'a value that cannot be read';
  }
}

/** The client failed: a ConnectionError with what it threw as the cause. */
export function connectionError(err) {
  return new ConnectionError(`execute failed: ${describe(err)}`, { cause: err });
}
