'use strict';
// The thin JS face of redset: idiomatic classes over the wasm core, which holds all
// set semantics. This file only picks the client adapter, reads the clock, applies
// defaults and maps errors to classes.

const wasm = require('./wasm/redset_wasm.js');

/**
 * What a process() handler throws when it meets an outside rate limit (an HTTP 429):
 * the worker gives the item back without counting a delivery, and the whole set hands
 * out nothing for `retryAfterMs`. Not a RedsetError: redset never throws it.
 */
class RateLimited extends Error {
  constructor(retryAfterMs, message = `rate limited: retry after ${retryAfterMs} ms`) {
    super(message);
    this.name = 'RateLimited';
    this.retryAfterMs = retryAfterMs;
  }
}

/** Base class of redset's errors. */
class RedsetError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = new.target.name;
  }
}
/** No (eligible) item: an empty `pop()`, or `peek(position)` past the end. */
class KeyError extends RedsetError {}
/** Redis answered with an error reply (`WRONGTYPE …`); `code` is its first word. */
class ReplyError extends RedsetError {}
/** `execute` (the Redis client) threw or rejected; `cause` is what it threw. */
class ConnectionError extends RedsetError {}
/** A reply had a shape the operation does not expect. */
class ProtocolError extends RedsetError {}
/** The serializer failed (or returned neither a string nor a Uint8Array). */
class SerializerError extends RedsetError {}
/**
 * A scheduled pop waited `lockTimeout` seconds for the original Python redset's lock
 * (`name__lock`) and gave up: the original's `LockTimeout`. Nothing was taken.
 */
class LockTimeout extends RedsetError {}
/**
 * A lease is no longer held: it expired and the item was claimed again (by a greater
 * fencing token), or it was acked, retried or released already. `tokens` names the
 * leases concerned; nothing was changed for them.
 */
class LeaseLost extends RedsetError {}
/**
 * No reply within the set's `timeout`. `mayHaveTakenEffect` says whether the command
 * sent could still change the set when the server gets to it (false only for reads).
 */
class TimeoutError extends RedsetError {}
/**
 * A write took effect on the master but fewer replicas than `waitForReplicas` asked for
 * acknowledged it in time (`acked`, `wanted`): a failover could lose it. Safe to repeat.
 */
class NotReplicated extends RedsetError {}

const ERRORS = { KeyError, ReplyError, ConnectionError, ProtocolError, SerializerError, LockTimeout, LeaseLost, TimeoutError, NotReplicated, RangeError, TypeError };
const ERROR_FIELDS = ['set', 'position', 'code', 'serverMessage', 'lock', 'tokens', 'acked', 'wanted', 'needs'];

function rethrow(err) {
  if (err instanceof RedsetError) throw err;
  if (err instanceof WebAssembly.RuntimeError) {
    const message = wasm.takePanicMessage() ?? err.message;
    throw new RedsetError(`redset panicked: ${message}`, { cause: err });
  }
  const Class = err instanceof Error && Object.hasOwn(ERRORS, err.name) ? ERRORS[err.name] : null;
  if (!Class) throw err;
  const out = new Class(err.message, 'cause' in err ? { cause: err.cause } : undefined);
  for (const field of ERROR_FIELDS) if (field in err) out[field] = err[field];
  throw out;
}

/** Items as JSON: the counterpart of the Rust crate's `Json<T>`. */
class JsonSerializer {
  dumps(item) {
    return JSON.stringify(item);
  }
  loads(text) {
    return JSON.parse(text);
  }
}

/** The default: items are strings; anything else is cast with `String()`. */
const STRING_SERIALIZER = Object.freeze({
  dumps: String,
  loads(text) {
    if (typeof text !== 'string') throw new TypeError('member is not valid UTF-8');
    return text;
  },
});

/**
 * The serializer as the core takes it: "strings" (the default) and "json" (a plain
 * `JsonSerializer`) run inside wasm without a JS call per item; as in the original, a
 * serializer object without `dumps` or `loads` falls back to strings for that side
 * (`serializer=object()` stores `str(item)`).
 */
function serializerSpec(serializer) {
  if (serializer == null || serializer === STRING_SERIALIZER) return 'strings';
  if (serializer.dumps === JsonSerializer.prototype.dumps && serializer.loads === JsonSerializer.prototype.loads) {
    return 'json';
  }
  const { dumps, loads } = serializer;
  if (dumps != null && loads != null) return serializer;
  return {
    dumps: dumps == null ? String : (item) => serializer.dumps(item),
    loads: loads == null ? STRING_SERIALIZER.loads : (text) => serializer.loads(text),
  };
}

const toBuffer = (arg) => (typeof arg === 'string' ? arg : Buffer.from(arg.buffer, arg.byteOffset, arg.byteLength));

const REPLY_ERROR_NAMES = new Set(['ReplyError', 'ErrorReply', 'SimpleError', 'BlobError']);
// Whether a client's rejection is a Redis error reply; one that cannot be read is not.
const isReplyError = (err) => {
  try {
    return err instanceof Error && (REPLY_ERROR_NAMES.has(err.name) || REPLY_ERROR_NAMES.has(err.constructor?.name));
  } catch {
    return false;
  }
};

/**
 * A `send(args)` function for a client: ioredis (Redis or Cluster), node-redis v4+, or a
 * function already. Replies come back as Buffers, so members are binary-safe. What it
 * throws is sorted out by the driver loop: a Redis error reply is handed to the core as
 * an `Error` (it needs NOSCRIPT to fall back to EVAL), anything else is a connection
 * failure.
 */
function toSend(client) {
  if (typeof client === 'function') {
    // A copy: the user's function may keep or change what it is given.
    return (args) => client(buffers(args).slice());
  }
  if (client && typeof client.customCommand === 'function' && typeof client.callBuffer !== 'function') {
    // Valkey GLIDE (GlideClient): customCommand with the Bytes decoder (0), its records
    // ({ key, value }) as pairs, and its RequestError as the reply error it stands for.
    return (args) => client.customCommand(buffers(args), { decoder: 0 }).then(fromGlide, (err) => {
      throw glideError(err);
    });
  }
  if (client && typeof client.callBuffer === 'function') {
    if (client.isCluster === true) {
      // ioredis Cluster sends a command without a key to any node; WAIT must count the
      // replicas of the master that took the write: ask every master, take the least.
      return (args) => (args[0] === 'WAIT'
        ? Promise.all(client.nodes('master').map((node) => node.call('WAIT', args[1], args[2])))
          .then((counts) => Math.min(...counts))
        : client.callBuffer(...buffers(args)));
    }
    return (args) => client.callBuffer(...buffers(args));
  }
  if (isNodeRedisCluster(client)) {
    // node-redis createCluster: sendCommand(firstKey, isReadonly, args, options) routes by
    // the key it is given, which the core marks on each command (KEY).
    const options = typeof client.commandOptions === 'function'
      ? client.commandOptions({ returnBuffers: true }) // v4
      : { typeMapping: { 36: Buffer, 44: String } };
    return (args, read) => client.sendCommand(args[KEY], read === true, buffers(args), options);
  }
  if (client && typeof client.sendCommand === 'function' && typeof client.commandOptions === 'function') {
    // node-redis v4.
    const options = client.commandOptions({ returnBuffers: true });
    return (args) => client.sendCommand(buffers(args), options);
  }
  if (client && typeof client.sendCommand === 'function') {
    // node-redis v5+: bulk strings as Buffers, and RESP3 doubles as their text, which
    // the core parses exactly (v5's own double decoder is off in the last digit). Passed
    // per call: v5 ignores a `withTypeMapping` proxy's mapping in `sendCommand`.
    const options = { typeMapping: { 36: Buffer, 44: String } }; // RESP_TYPES BLOB_STRING, DOUBLE
    return (args) => client.sendCommand(buffers(args), options);
  }
  throw new TypeError('client must be an ioredis or iovalkey client, a node-redis client, a Valkey GLIDE client, or an execute(args) function');
}

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
const GLIDE_CODES = { ResponseError: 'ERR', NoScriptError: 'NOSCRIPT', ExecAbortError: 'EXECABORT' };
function glideError(err) {
  if (err?.constructor?.name !== 'RequestError') return err;
  const text = String(err.message).replace(/^An error was signalled by the server: - /, '');
  const match = /^([A-Za-z]+): ?([\s\S]*)$/.exec(text);
  const reply = new Error(match ? `${GLIDE_CODES[match[1]] ?? match[1].toUpperCase()} ${match[2]}` : text, { cause: err });
  reply.name = 'ReplyError';
  return reply;
}

// Arguments are strings, or Uint8Arrays (views of a copy) where not UTF-8.
function buffers(args) {
  for (let i = 0; i < args.length; i++) {
    if (typeof args[i] !== 'string') return args.map(toBuffer);
  }
  return args;
}

/**
 * Hands a reply to the core by the cheapest path for its shape: numbers and Buffers
 * without type probing; an array of Buffers, or of equal rows of Buffers (RESP3 pairs),
 * as one concatenation with the length of each; anything else as a plain copy. Every
 * read of the client's value happens here, before wasm sees it: a value that throws
 * when read (a Proxy, a getter) is a ProtocolError, and the core only ever gets plain
 * values.
 */
function feed(core, id, reply) {
  let shaped;
  try {
    shaped = shape(reply);
  } catch (err) {
    throw new ProtocolError(`unreadable reply: ${describe(err)}`, { cause: err });
  }
  switch (shaped.how) {
    case 'number': return core.feedNumber(id, reply);
    case 'bytes': return core.feedBytes(id, reply);
    case 'bulks': return core.feedBulks(id, shaped.bytes, shaped.lengths, shaped.width);
    default: return core.feed(id, shaped.value);
  }
}

// Plain Uint8Arrays only: ArrayBuffer.isView is false for a Proxy, whose reads throw.
const isBytes = (value) => value instanceof Uint8Array && ArrayBuffer.isView(value);

/** How to hand `reply` over (see feed); throws whatever reading it throws. */
function shape(reply) {
  if (typeof reply === 'number') return { how: 'number' };
  if (isBytes(reply)) return { how: 'bytes' };
  if (!Array.isArray(reply) || reply.length === 0) return { how: 'value', value: plain(reply, 0) };
  const width = Array.isArray(reply[0]) ? reply[0].length : 1;
  const parts = width === 1 ? reply : [];
  for (let i = 0; i < reply.length; i++) {
    const row = reply[i];
    if (width === 1) {
      if (!isBytes(row)) return { how: 'value', value: plain(reply, 0) };
    } else {
      if (!Array.isArray(row) || row.length !== width) return { how: 'value', value: plain(reply, 0) };
      for (let j = 0; j < width; j++) {
        if (!isBytes(row[j])) return { how: 'value', value: plain(reply, 0) };
        parts.push(row[j]);
      }
    }
  }
  const lengths = new Uint32Array(parts.length);
  let total = 0;
  for (let i = 0; i < parts.length; i++) {
    lengths[i] = parts[i].length;
    total += parts[i].length;
  }
  return { how: 'bulks', bytes: Buffer.concat(parts, total), lengths, width };
}

/**
 * A reply as the core reads it, made of plain values only: strings, numbers, booleans,
 * bigints, null, Uint8Arrays, arrays, Maps and reply Errors (with a string message).
 * Anything else becomes an empty object, which the core refuses as a protocol error.
 */
function plain(value, depth) {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string': case 'number': case 'boolean': case 'bigint': return value;
    case 'object': break;
    default: return {};
  }
  if (depth > 64) throw new RangeError('a reply nested more than 64 deep');
  if (isBytes(value)) return value;
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < out.length; i++) out[i] = plain(value[i], depth + 1);
    return out;
  }
  if (value instanceof Error) {
    const { message } = value;
    const out = new Error(typeof message === 'string' ? message : 'ERR an error reply without a readable message');
    out.name = 'ReplyError';
    return out;
  }
  if (value instanceof Map) {
    const out = new Map();
    for (const [k, v] of value) out.set(plain(k, depth + 1), plain(v, depth + 1));
    return out;
  }
  return {};
}

/** What was thrown, as text, even when reading it throws too. */
function describe(err) {
  try {
    return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  } catch {
    return 'a value that cannot be read';
  }
}

/**
 * Waits for `reply` at most `ms`; past that, rejects with a TimeoutError about `args`,
 * which the core marked `read` if the command only reads.
 */
function withTimeout(reply, ms, args, read) {
  if (!(ms > 0)) return reply;
  let timer;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => {
      const command = String(args[0]);
      const mayHaveTakenEffect = !read;
      const err = new TimeoutError(
        `no reply to ${command} within ${ms} ms` +
          (mayHaveTakenEffect ? '; it may still take effect' : '; it changes nothing'),
      );
      err.command = command;
      err.mayHaveTakenEffect = mayHaveTakenEffect;
      reject(err);
    }, ms);
  });
  return Promise.race([reply, expired]).finally(() => clearTimeout(timer));
}

function connectionError(err) {
  return new ConnectionError(`execute failed: ${describe(err)}`, { cause: err });
}

// Runs an operation of a set's wasm core; module-private, so subclasses can use it.
const invoke = Symbol('invoke');

// ioredis `Cluster` and node-redis `createCluster` clients: a set's keys must then share
// one hash slot, which the original's lock key does not.
const isCluster = (client) =>
  client != null && typeof client === 'object' && (client.isCluster === true || typeof client.getSlotMaster === 'function');

// Marks the core's steps (command arguments, sleeps) apart from results.
const STEP = Symbol('redset step');
// On each command for a node-redis cluster: the key to route it by.
const KEY = Symbol('redset first key');

// node-redis `createCluster` clients (v4 to v6): their sendCommand takes the first key.
const isNodeRedisCluster = (client) =>
  client != null && typeof client === 'object' && typeof client.getSlotMaster === 'function' &&
  typeof client.sendCommand === 'function' && typeof client.callBuffer !== 'function';

// The operations that take no argument, made once rather than a closure per call.
const POP = (core, id) => core.pop(id, now());
const LEN = (core, id) => core.len(id);
const PEEK_SCORE = (core, id) => core.peekScore(id, now());
const CLEAR = (core, id) => core.clear(id);
const AVAILABLE = (core, id) => core.available(id, now());
const RECOVER = (core, id) => core.recover(id);
const IN_FLIGHT = (core, id) => core.inFlight(id);
const DEAD_LETTERS = (core, id) => core.deadLetters(id);
const PURGE_DEAD = (core, id) => core.purgeDead(id);
const STATS = (core, id) => core.stats(id, now());
const PAUSE = (core, id) => core.pauseSet(id);
const RESUME = (core, id) => core.resumeSet(id);
const IS_PAUSED = (core, id) => core.isPaused(id);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Connections of their own for the blocking commands of waits (popWait, takeWait,
 * claimWait, consume, process): duplicates of the user's ioredis or node-redis client,
 * one per wait in flight, so that a blocked command holds up nothing else. They are
 * closed as soon as no wait needs them (or no consume / process loop holds them), so
 * they never keep a process alive.
 */
class Blockers {
  #client;
  #idle = [];
  #busy = 0;
  #held = 0;

  /** Blockers for `client`, or null if it cannot be duplicated (an execute function). */
  static for(client) {
    return client !== null && typeof client === 'object' && typeof client.duplicate === 'function'
      ? new Blockers(client)
      : null;
  }

  constructor(client) {
    this.#client = client;
  }

  /** An idle connection, or a new duplicate: `{ client, send }`. */
  async acquire() {
    this.#busy++;
    if (this.#idle.length > 0) return this.#idle.pop();
    try {
      const client = this.#client.duplicate();
      client.on?.('error', () => {}); // failures reach the commands' promises
      // node-redis duplicates start closed; ioredis ones connect by themselves.
      if (typeof client.callBuffer !== 'function') await client.connect();
      return { client, send: toSend(client) };
    } catch (err) {
      this.#busy--;
      throw connectionError(err);
    }
  }

  /** Gives a connection back; one whose command failed is closed, not kept. */
  release(blocker, failed) {
    this.#busy--;
    if (failed) close(blocker.client);
    else this.#idle.push(blocker);
    this.#trim();
  }

  /** Keeps idle connections open across a loop of waits, until `unhold()`. */
  hold() {
    this.#held++;
  }

  unhold() {
    this.#held--;
    this.#trim();
  }

  #trim() {
    if (this.#busy > 0 || this.#held > 0) return;
    for (const { client } of this.#idle.splice(0)) close(client);
  }
}

/** Closes a client without waiting for replies (ioredis, node-redis 4 to 6). */
function close(client) {
  try {
    const closing = typeof client.callBuffer === 'function' || typeof client.destroy !== 'function'
      ? client.disconnect()
      : client.destroy();
    closing?.catch?.(() => {});
  } catch {
    // Already closed.
  }
}

/** "Now" in UNIX seconds, with sub-millisecond resolution so FIFO order holds. */
const now = () => (performance.timeOrigin + performance.now()) / 1000;

/** The longest a wait's blocking command blocks, in ms. */
const BLOCK_CAP_MS = wasm.blockCapMs();

/**
 * A Redis-backed sorted set safe for consumption by many processes. Lowest score first;
 * the default score is 0. Stored at the Redis key `name`.
 */
class SortedSet {
  static kind = 'sorted';
  #core;
  #send;
  #blockers;
  #timeout;
  // Slots of the core's operations: ids free for reuse, and the next new one.
  #freeIds = [];
  #nextId = 0;

  /**
   * `options`: `scorer`, `serializer`, `logger`; `timeout` (ms: an operation whose
   * client gives no reply in time rejects with TimeoutError; default none);
   * `maxDeliveries` and `backoff` for leases; for a ScheduledSet also `originalLock`
   * (honour the original Python redset's lock; default true, false on a Cluster client)
   * and `lockTimeout` (seconds to wait for it, default 10); `clock`: whose clock says
   * "now" ('client', the default as in the original, or 'server': Redis TIME);
   * `blockingWaits` (default true for an ioredis or node-redis client): waits block in
   * Redis on duplicates of the client, one per wait in flight and closed when none is,
   * rather than poll (an `execute` function always polls); `dedupWindow` (ms):
   * add / addMany skip an item added within it, even one consumed meanwhile;
   * `waitForReplicas` ({ replicas, timeout } in ms): writes wait for that many replicas
   * (WAIT), else reject with NotReplicated; `metrics`: the scripts count what they do
   * on the set (`stats().counters`). Flow control, enforced by the server:
   * `rateLimit` ({ max, periodMs, burst = 1 }: at most `max` items handed out per
   * `periodMs` across every consumer, `burst` at once), `groups` (true, or
   * { concurrency, rateLimit }: claims go round-robin over the groups, each within its
   * limits), `groupBy` (item => group; makes the set grouped), `flowControl` (pops and
   * takes honour pause and the limits too; on by itself with a limit or groups).
   */
  constructor(client, name, { scorer, serializer, logger, originalLock, lockTimeout, maxDeliveries, backoff, timeout, clock, blockingWaits, dedupWindow, waitForReplicas, metrics, flowControl, rateLimit, groups, groupBy } = {}) {
    if (typeof name !== 'string') throw new TypeError('name must be a string');
    if (timeout != null && !(typeof timeout === 'number' && timeout >= 0)) {
      throw new RangeError('timeout must be a number of ms >= 0');
    }
    this.#timeout = timeout ?? 0;
    if (scorer != null && typeof scorer !== 'function') throw new TypeError('scorer must be a function');
    const log = logger ?? ((...args) => console.warn(...args));
    this.#send = toSend(client);
    this.#blockers = blockingWaits === false ? null : Blockers.for(client);
    const options = {
      originalLock: originalLock ?? !isCluster(client),
      lockTimeout: lockTimeout ?? undefined,
      maxDeliveries: maxDeliveries ?? undefined,
      backoff: backoff ?? undefined,
      clock: clock ?? undefined,
      dedupWindow: dedupWindow ?? undefined,
      waitForReplicas: waitForReplicas ?? undefined,
      metrics: metrics ?? undefined,
      flowControl: flowControl ?? undefined,
      rateLimit: rateLimit ?? undefined,
      groups: groups ?? undefined,
      blockingWaits: this.#blockers !== null,
    };
    if (groupBy != null && typeof groupBy !== 'function') throw new TypeError('groupBy must be a function');
    this.#core = new wasm.WasmSet(new.target.kind, name, serializerSpec(serializer), scorer ?? undefined, log, options, STEP);
    if (groupBy != null) this.#core.groupBy(groupBy);
    if (isNodeRedisCluster(client)) this.#core.markKeys(KEY);
  }

  // The driver loop. `start(core, id)` starts an operation in slot `id` of the core. A
  // step marked with STEP is either command arguments to send (STEP is true, or 'read'
  // for a read-only command) or a sleep (STEP is the milliseconds); anything else is the
  // result, and the slot is free again.
  // The core bounds the steps; abandon() frees the slot when the client fails.
  // A step marked 'block' (a wait's blocking command) goes on a connection of its own,
  // with its block's time added to the timeout.
  async [invoke](start) {
    const core = this.#core;
    const id = this.#freeIds.length > 0 ? this.#freeIds.pop() : this.#nextId++;
    let blocker = null;
    let failed = false;
    try {
      let next = start(core, id);
      for (;;) {
        const step = next !== null && typeof next === 'object' ? next[STEP] : undefined;
        if (step === undefined) return next;
        if (typeof step === 'number' || step === 'now') {
          if (step !== 'now' && step > 0) await sleep(step); // 'now': only the time is wanted
          next = core.resume(id, now());
          continue;
        }
        const blocking = step === 'block';
        if (blocking) blocker ??= await this.#blockers.acquire();
        const send = blocking ? blocker.send : this.#send;
        const timeout = blocking && this.#timeout > 0 ? this.#timeout + BLOCK_CAP_MS : this.#timeout;
        let reply;
        try {
          reply = await withTimeout(send(next, step === 'read'), timeout, next, step === 'read');
        } catch (err) {
          failed = blocking;
          if (err instanceof TimeoutError) throw err;
          if (!isReplyError(err)) throw connectionError(err);
          failed = false;
          reply = err;
        }
        next = feed(core, id, reply);
      }
    } catch (err) {
      core.abandon(id);
      return rethrow(err);
    } finally {
      this.#freeIds.push(id);
      if (blocker !== null) this.#blockers.release(blocker, failed);
    }
  }

  /** The set's name: the Redis key it is stored at. */
  get name() {
    return this.#core.name;
  }

  /** Adds the item or updates its score; resolves to the score used (an explicit 0 is kept). */
  add(item, score) {
    if (score != null && typeof score !== 'number') return Promise.reject(new TypeError('score must be a number'));
    return this[invoke]((core, id) => core.add(id, item, score ?? undefined, now()));
  }

  /** Adds the item in `group` of a grouped set (score as add's); resolves to the score used. */
  addToGroup(group, item, score) {
    if (typeof group !== 'string') return Promise.reject(new TypeError('addToGroup(group, item, score?): group must be a string'));
    if (score != null && typeof score !== 'number') return Promise.reject(new TypeError('score must be a number'));
    return this[invoke]((core, id) => core.addToGroup(id, group, item, score ?? undefined, now()));
  }

  // ---- flow control ---------------------------------------------------------------

  /** Pauses the set: every consumer's claims (and a flowControl set's pops) get nothing until resume(). */
  pause() {
    return this[invoke](PAUSE);
  }

  /** Resumes a paused set; consumers waiting on it wake at once. */
  resume() {
    return this[invoke](RESUME);
  }

  /** Resolves to whether the set is paused. */
  isPaused() {
    return this[invoke](IS_PAUSED);
  }

  /**
   * The work met an outside rate limit: the lease's item goes back without counting a
   * delivery, and the whole set hands out nothing for `retryAfterMs`.
   */
  rateLimited(lease, retryAfterMs) {
    if (typeof retryAfterMs !== 'number') return Promise.reject(new TypeError('rateLimited(lease, retryAfterMs) takes a number of ms'));
    return this[invoke]((core, id) => core.rateLimited(id, lease, retryAfterMs));
  }

  /** Resolves to a group's counts: `{ group, waiting, inFlight, dead }`. */
  async groupStats(group) {
    if (typeof group !== 'string') throw new TypeError('groupStats(group) takes a string');
    const [found] = await this[invoke]((core, id) => core.groupStats(id, [group]));
    return found ?? { group, waiting: 0, inFlight: 0, dead: 0 };
  }

  /** Resolves to the counts of up to `limit` groups with waiting, in-flight or dead items. */
  groups(limit = 100) {
    return this[invoke]((core, id) => core.groups(id, limit));
  }

  /**
   * Adds many items in one round trip per 5000: `options.scores` gives each item's
   * score (null: the scorer's), `options.condition` is 'nx' (only new), 'xx' (only
   * existing), 'gt' or 'lt', `options.changed` counts changed scores too. Resolves to
   * how many were added (or changed). A NaN score or a throwing serializer rejects the
   * whole batch before anything is sent.
   */
  addMany(items, { scores, condition, changed } = {}) {
    if (!Array.isArray(items)) return Promise.reject(new TypeError('addMany(items) takes an array'));
    const options = { condition: condition ?? undefined, changed: changed ?? undefined };
    return this[invoke]((core, id) => core.addMany(id, items, scores ?? undefined, options, now()));
  }

  /** Removes and resolves to the next eligible item (null if it failed to deserialize); rejects with KeyError when there is none. */
  pop() {
    return this[invoke](POP);
  }

  /**
   * Removes and resolves to at most `count` eligible items, in score order, atomically.
   * A count below 1 gives `[]`, as in the original; a fraction is truncated.
   */
  take(count) {
    if (typeof count !== 'number') return Promise.reject(new TypeError('count must be a number'));
    return this[invoke]((core, id) => core.take(id, count, now()));
  }

  /**
   * Like pop(), but waits up to `timeoutMs` for an eligible item (a ScheduledSet wakes
   * when its next item falls due); rejects with KeyError at the timeout. Waits with
   * timers between tries: the client is not held, and idle it costs about two commands
   * a second.
   */
  popWait(timeoutMs) {
    if (typeof timeoutMs !== 'number') return Promise.reject(new TypeError('popWait(timeoutMs) takes a number'));
    return this[invoke]((core, id) => core.popWait(id, timeoutMs, now()));
  }

  /** Like take(count), but waits up to `timeoutMs` for at least one item; [] at the timeout. */
  takeWait(count, timeoutMs) {
    if (typeof count !== 'number' || typeof timeoutMs !== 'number') {
      return Promise.reject(new TypeError('takeWait(count, timeoutMs) takes two numbers'));
    }
    return this[invoke]((core, id) => core.takeWait(id, count, timeoutMs, now()));
  }

  /** Resolves to the eligible item at `position` without removing it; rejects with KeyError when there is none. */
  peek(position = 0) {
    return this[invoke]((core, id) => core.peek(id, position, now()));
  }

  /**
   * Resolves to up to `count` eligible items from `position` on, in order, without
   * removing them: `[{ item, score }]` (item null if it failed to deserialize).
   */
  peekItems(position = 0, count = 10) {
    return this[invoke]((core, id) => core.peekItems(id, position, count, now()));
  }

  /** Resolves to the score of the next eligible item, or null. */
  peekScore() {
    return this[invoke](PEEK_SCORE);
  }

  /** Resolves to the item's score, or null if it is not in the set. */
  score(item) {
    return this[invoke]((core, id) => core.score(id, item));
  }

  /** Resolves to whether the item is in the set. */
  has(item) {
    return this[invoke]((core, id) => core.has(id, item));
  }

  /** Resolves to the number of items in the set (due or not). */
  len() {
    return this[invoke](LEN);
  }

  /** Deletes the set; resolves to whether it existed. */
  clear() {
    return this[invoke](CLEAR);
  }

  /** Removes the item; resolves to whether it was there. */
  discard(item) {
    return this[invoke]((core, id) => core.discard(id, item));
  }

  /**
   * Yields items as they become eligible (at-most-once, as pop()) until `signal`
   * aborts: `for await (const item of set.consume({ signal })) …`. Waits with
   * popWait, so an abort is noticed within `pollMs` (default 1000).
   */
  async *consume({ signal, pollMs = 1000 } = {}) {
    this.#blockers?.hold();
    try {
      while (!signal?.aborted) {
        try {
          yield await this.popWait(pollMs);
        } catch (err) {
          if (!(err instanceof KeyError)) throw err;
        }
      }
    } finally {
      this.#blockers?.unhold();
    }
  }

  /**
   * Runs `handler(item, lease)` on items as they come, on leases: acks when it
   * resolves, retries (with the backoff; the dead letters after maxDeliveries) when it
   * throws, and extends the lease every `leaseMs / 3` while it runs. `concurrency`
   * handlers run at once. When `signal` aborts it stops claiming, waits up to
   * `shutdownMs` for running handlers, and releases the leases of those still running.
   * A handler that throws RateLimited gives its item back uncounted and holds the whole
   * set for its `retryAfterMs`. Its claims are the set's: pause, limits and groups hold.
   * Resolves with `{ acked, retried, released, rateLimited }` once stopped.
   */
  async process(handler, { concurrency = 1, leaseMs = 30000, signal, shutdownMs = leaseMs, pollMs = 1000 } = {}) {
    if (typeof handler !== 'function') throw new TypeError('process(handler) takes a function');
    const counts = { acked: 0, retried: 0, released: 0, rateLimited: 0 };
    const running = new Set();
    // Stops on the caller's abort, or on the first failure of a loop (which is rethrown).
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    if (signal?.aborted) stop.abort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    let failure = null;
    // One heartbeat for every running handler (a timer per job cost 7 µs a job): each
    // lease is extended within a third of it from its start, and every third after.
    const beat = setInterval(() => {
      for (const job of running) if (!job.settled) this.extend(job.lease, leaseMs).catch(() => {});
    }, Math.max(10, leaseMs / 3));
    const work = async (lease) => {
      const job = { lease, settled: false };
      running.add(job);
      try {
        let thrown = null;
        try {
          await handler(lease.item, lease);
        } catch (err) {
          thrown = err;
        }
        if (job.settled) return; // released at shutdown
        job.settled = true;
        if (thrown === null && !stop.signal.aborted) {
          // Done, and the next one in the same round trip.
          const [next] = await this.ackAndClaim([lease], 1, leaseMs);
          counts.acked++;
          return next;
        } else if (thrown === null) {
          await this.ack(lease);
          counts.acked++;
        } else if (thrown instanceof RateLimited) {
          await this.rateLimited(lease, thrown.retryAfterMs);
          counts.rateLimited++;
        } else {
          await this.retry(lease, { reason: thrown instanceof Error ? thrown.message : String(thrown) });
          counts.retried++;
        }
      } catch (err) {
        if (!(err instanceof LeaseLost)) throw err; // held too long: another worker has it now
      } finally {
        running.delete(job);
      }
      return undefined;
    };
    const loop = async () => {
      try {
        let next;
        while (!stop.signal.aborted) {
          const lease = next ?? (await this.claimWait(1, leaseMs, pollMs))[0];
          next = lease === undefined ? undefined : await work(lease);
        }
        // Claimed with the last ack, but stopped before its turn: back at once.
        if (next !== undefined) {
          await this.release(next).then(() => { counts.released++; }, (err) => {
            if (!(err instanceof LeaseLost)) throw err;
          });
        }
      } catch (err) {
        failure ??= err;
        stop.abort();
      }
    };
    this.#blockers?.hold();
    const loops = Promise.all(Array.from({ length: concurrency }, loop)).finally(() => this.#blockers?.unhold());
    await new Promise((resolve) => {
      if (stop.signal.aborted) resolve();
      else stop.signal.addEventListener('abort', resolve, { once: true });
    });
    signal?.removeEventListener('abort', onAbort);
    let timer;
    await Promise.race([loops, new Promise((resolve) => { timer = setTimeout(resolve, shutdownMs); })]);
    clearTimeout(timer);
    clearInterval(beat);
    for (const job of [...running]) {
      if (job.settled) continue;
      job.settled = true;
      await this.release(job.lease).then(() => { counts.released++; }, () => {});
    }
    if (failure !== null) throw failure;
    return counts;
  }

  // ---- at-least-once: leases ------------------------------------------------------

  /**
   * Claims up to `count` eligible items, each leased for `leaseMs` (server clock):
   * resolves to leases `{ item, token, deliveries, deadline, score }`. Ack each when
   * done; one not acked, retried or extended by its deadline goes back to the set.
   */
  claim(count, leaseMs) {
    if (typeof count !== 'number' || typeof leaseMs !== 'number') {
      return Promise.reject(new TypeError('claim(count, leaseMs) takes two numbers'));
    }
    return this[invoke]((core, id) => core.claim(id, count, leaseMs, now()));
  }

  /**
   * Acks `done` (a lease or an array of leases) and claims up to `count` more for
   * `leaseMs`, in one round trip: a worker's "done, next please". If any of `done` is
   * no longer held, the others are acked, nothing is claimed, and it rejects with
   * LeaseLost.
   */
  ackAndClaim(done, count, leaseMs) {
    if (typeof count !== 'number' || typeof leaseMs !== 'number') {
      return Promise.reject(new TypeError('ackAndClaim(done, count, leaseMs) takes leases and two numbers'));
    }
    const leases = Array.isArray(done) ? done : [done];
    return this[invoke]((core, id) => core.ackAndClaim(id, leases, count, leaseMs, now()));
  }

  /** Like claim(count, leaseMs), but waits up to `timeoutMs` for at least one item; [] at the timeout. */
  claimWait(count, leaseMs, timeoutMs) {
    if (typeof count !== 'number' || typeof leaseMs !== 'number' || typeof timeoutMs !== 'number') {
      return Promise.reject(new TypeError('claimWait(count, leaseMs, timeoutMs) takes three numbers'));
    }
    return this[invoke]((core, id) => core.claimWait(id, count, leaseMs, timeoutMs, now()));
  }

  /** Done with a lease's item: removed for good; rejects with LeaseLost if the lease is not held. */
  ack(lease) {
    return this[invoke]((core, id) => core.ack(id, [lease]));
  }

  /** Acks many leases in one round trip; those not held are named by the LeaseLost it rejects with. */
  ackMany(leases) {
    return this[invoke]((core, id) => core.ack(id, leases));
  }

  /** Keeps a held lease for `byMs` from now; updates and resolves to `lease.deadline`. */
  async extend(lease, byMs) {
    lease.deadline = await this[invoke]((core, id) => core.extend(id, lease, byMs));
    return lease.deadline;
  }

  /**
   * The work failed: back to the set after `delay` ms (a number, or `{ delay, reason }`;
   * default: the backoff's delay), or
   * to the dead letters (recording `reason`) once deliveries reached `maxDeliveries`.
   * Resolves to `{ outcome: 'requeued', at } | { outcome: 'dead', at: null }`.
   */
  retry(lease, options = {}) {
    // retry(lease, delayMs) or retry(lease, { delay, reason }).
    const { delay, reason } = typeof options === 'number' ? { delay: options } : options ?? {};
    return this[invoke]((core, id) => core.retry(id, lease, delay ?? undefined, reason ?? undefined));
  }

  /** Gives a lease's item back at once, the delivery not counted (for a consumer shutting down). */
  release(lease) {
    return this[invoke]((core, id) => core.release(id, lease));
  }

  /** The expired-lease sweep now; resolves to `{ requeued, dead }`. */
  recover() {
    return this[invoke](RECOVER);
  }

  /** Resolves to how many items are leased (or waiting out a retry's delay). */
  inFlight() {
    return this[invoke](IN_FLIGHT);
  }

  /**
   * Resolves to the leases in flight, earliest deadline first (at most `limit`):
   * `[{ item, token, deliveries, score, deadline, timeLeft, member }]`; `token` is null
   * for a retry waiting out its delay, `deadline` is ms since the epoch and `timeLeft`
   * ms by the server's clock (0 once expired).
   */
  inFlightItems(limit = 100) {
    return this[invoke]((core, id) => core.inFlightItems(id, limit));
  }

  /** Resolves to the dead letters, oldest first: `{ item, reason, deliveries, time, score }`. */
  deadLetters() {
    return this[invoke](DEAD_LETTERS);
  }

  /** Puts dead letters (from `deadLetters()`) back into the set; resolves to how many were still dead. */
  requeueDead(letters) {
    return this[invoke]((core, id) => core.requeueDead(id, letters));
  }

  /** Deletes every dead letter; resolves to how many there were. */
  purgeDead() {
    return this[invoke](PURGE_DEAD);
  }

  /** Resolves to `{ waiting, due, inFlight, dead, oldestDueAge (ms, or null), counters (or null) }` in one round trip. */
  stats() {
    return this[invoke](STATS);
  }

  toString() {
    return this.#core.toString();
  }

  [Symbol.for('nodejs.util.inspect.custom')]() {
    return this.toString();
  }
}

/** A FIFO set: the default score is the time of `add` (UNIX seconds). */
class TimeSortedSet extends SortedSet {
  static kind = 'time';
}

/** A time-ordered set that hands out only items whose score (UNIX seconds) is <= now. */
class ScheduledSet extends TimeSortedSet {
  static kind = 'scheduled';

  /** Resolves to how many items are due now (`len()` counts all of them). */
  available() {
    return this[invoke](AVAILABLE);
  }
}

module.exports = {
  SortedSet,
  TimeSortedSet,
  ScheduledSet,
  JsonSerializer,
  RedsetError,
  KeyError,
  ReplyError,
  ConnectionError,
  ProtocolError,
  SerializerError,
  LockTimeout,
  LeaseLost,
  NotReplicated,
  TimeoutError,
  RateLimited,
};
