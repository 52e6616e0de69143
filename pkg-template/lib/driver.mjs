// The driver loop: runs an operation of a set's wasm core in a slot, carrying each
// command to the client and each reply back, sleeping when told, until the result.
// The core decides everything (it bounds the steps too); this only carries.

import { now, sleep } from './clock.mjs';
import { binding } from './binding.mjs';
import { RedsetError, TimeoutError, connectionError, rethrow } from './errors.mjs';
import { TRAITS } from './operations.mjs';
import { decodeAdded, decodePrepared, feed } from './replies.mjs';
import { isReplyError } from './clients/index.mjs';

/**
 * Marks the core's steps apart from results: command arguments (`true`, `'read'` for a
 * read-only command, `'block'` for a blocking one, which goes on a connection of its
 * own), `'pipeline'` (an array of command arrays to send at once, whose replies go
 * back as one array), `'now'` (resume at once with the time) or a number of ms to sleep first.
 */
export const STEP = Symbol('redset step');

/** At most this many prepared commands are kept per operation (see the driver's #kept). */
const KEPT = 16;

/** Whether the UTF-8 of string `text` is the text itself: no lone surrogate (false where that cannot be asked). */
const wellFormed = typeof String.prototype.isWellFormed === 'function' ? (text) => text.isWellFormed() : () => false;

/**
 * A copy of kept command `kept.args` with `value` at `kept.at`, and the marks the binding
 * put on the array (a cluster client's key to route by), which a copy of its elements
 * does not carry.
 */
function copied(kept, value) {
  const args = kept.args.slice();
  for (const mark of kept.marks) args[mark] = kept.args[mark];
  args[kept.at] = value;
  return args;
}

/** Keeps `value` for argument `a` in `kept`: a take or peek of many sizes, the oldest goes first. */
function keep(kept, a, value) {
  if (kept.size === KEPT) kept.delete(kept.keys().next().value);
  kept.set(a, value);
}

/** No reply had yet (see the driver's #run). */
const UNANSWERED = Symbol('unanswered');

export class Driver {
  #core;
  #send;
  #connections;
  #timeout;
  #blockTimeout;
  #ordered;
  #freshReplies;
  // Slots of the core's operations: ids free for reuse, and the next new one.
  #freeIds = [];
  #nextId = 0;
  // Prepared commands the core says are the same on every call (by operation, then
  // argument), kept so that a pop or a len makes no call into wasm before it is sent;
  // those where only the time changes, with where it goes (see #timedArgs); those where
  // only the item changes, by operation (see #itemArgs); which operations carry the
  // time; and each operation's traits (the binding's preparedTraits), asked once.
  #kept = [];
  #timed = [];
  #withItem = [];
  #carriesTime = [];
  #traits = [];
  // A prepared add's check, the same on every call, and its ZADD with where the item
  // and the score go, or null where the core makes each (see runAdd).
  #addCheck;
  #addKept;

  /**
   * `core`: the set's WasmSet; `send(args, read, scoresAsNumbers)`: the client's (see
   * runPrepared for the last); `connections`: the
   * pool for blocking commands, or null; `timeout`: ms per reply (0: none); `ordered`:
   * whether commands sent without waiting for replies run in the order sent;
   * `freshReplies`: whether each reply is the client's own, made for its command alone
   * (see #emptyReply).
   */
  constructor(core, send, connections, timeout, ordered, freshReplies) {
    this.#core = core;
    this.#send = send;
    this.#connections = connections;
    this.#timeout = timeout;
    this.#ordered = ordered;
    this.#freshReplies = freshReplies;
    // A blocking command's reply may take its block's time more.
    this.#blockTimeout = timeout > 0 ? timeout + binding().blockCapMs() : 0;
  }

  get core() {
    return this.#core;
  }

  /** The pool of connections for blocking commands, or null. */
  get connections() {
    return this.#connections;
  }

  /**
   * Runs the operation `start(core, id, a, b, c)` starts in slot `id`; resolves to its
   * result, or rejects with the package's error class. abandon() frees the slot when the
   * client fails.
   */
  run(start, a, b, c) {
    return this.#run(start, a, b, c, UNANSWERED);
  }

  /**
   * `run`, where `answered` (unless UNANSWERED) is the reply to the operation's first
   * command, already sent: it is fed to the operation in place of sending that command.
   */
  async #run(start, a, b, c, answered) {
    const core = this.#core;
    const id = this.#freeIds.length > 0 ? this.#freeIds.pop() : this.#nextId++;
    let connection = null;
    let failed = false;
    try {
      let next = start(core, id, a, b, c);
      for (;;) {
        const step = next !== null && typeof next === 'object' ? next[STEP] : undefined;
        if (step === undefined) return next;
        if (answered !== UNANSWERED && (step === true || step === 'read' || step === 'pipeline')) {
          next = feed(core, id, answered);
          this.#emptyReply(answered);
          answered = UNANSWERED;
          continue;
        }
        if (step === 'now') {
          next = core.resume(id, now());
          continue;
        }
        if (typeof step === 'number') {
          await sleep(step);
          next = core.resume(id, now());
          continue;
        }
        if (step === 'pipeline') {
          next = feed(core, id, await this.#pipeline(next));
          continue;
        }
        const blocking = step === 'block';
        if (blocking) connection ??= await this.#connections.acquire();
        const send = blocking ? connection.send : this.#send;
        const read = step === 'read';
        let reply;
        try {
          reply = await withTimeout(send(next, read), blocking ? this.#blockTimeout : this.#timeout, next, read);
        } catch (err) {
          failed = blocking;
          // The package's own (a timeout, what a client adapter refuses to send).
          if (err instanceof RedsetError) throw err;
          if (!isReplyError(err)) throw connectionError(err);
          failed = false;
          reply = err;
        }
        next = feed(core, id, reply);
        this.#emptyReply(reply);
      }
    } catch (err) {
      core.abandon(id);
      return rethrow(err);
    } finally {
      this.#freeIds.push(id);
      if (connection !== null) this.#connections.release(connection, failed);
    }
  }

  /**
   * Runs prepared operation `which` (see the binding's `prepared`) with its argument
   * `a`: the command the core gives for it is sent and the reply decoded in one call,
   * without a slot. Where the core has no such command (undefined), runs the operation
   * `start` as `run` does; where the reply does not finish it (STEP: a scheduled pop
   * told that the original's lock is held, or NOSCRIPT), runs it with that reply as the
   * answer to its first command, which is the command sent; and the command is made
   * again next time, as that run may change it (a cluster that refused the lock's key).
   */
  async runPrepared(which, start, a, b, c) {
    const core = this.#core;
    let reply;
    let output;
    try {
      const traits = (this.#traits[which] ??= core.preparedTraits(which));
      const args = this.#kept[which]?.get(a) ?? this.#timedArgs(which, a) ?? this.#itemArgs(which, a) ??
        this.#prepared(which, traits, a);
      if (args === undefined) return this.run(start, a, b, c);
      // Prepared commands carry no step mark: the traits say whether they only read.
      const read = (traits & TRAITS.read) !== 0;
      // A reply whose scores are only checked may have them as numbers, where the client
      // decodes those more cheaply than text (node-redis: a take(100)'s scores as text
      // cost it about 30 µs more, issue 20).
      const scoresAsNumbers = (traits & TRAITS.keepsScores) === 0;
      try {
        reply = await withTimeout(this.#send(args, read, scoresAsNumbers), this.#timeout, args, read);
      } catch (err) {
        reply = replyOrThrow(err);
      }
      output = decodePrepared(core, which, a, reply);
    } catch (err) {
      return rethrow(err);
    }
    if (output !== STEP) {
      this.#emptyReply(reply);
      return output;
    }
    this.#timed[which]?.delete(a);
    return this.#run(start, a, b, c, reply);
  }

  /**
   * Empties `reply`, decoded and no longer needed, where the client made it for its
   * command alone (an execute function's value is its caller's, and stays as it is).
   * The array outlives the operation in the client's hands (the promise it settled
   * refers to it), and a scavenge keeps whatever an object in V8's old space refers to,
   * live or not, until a full GC: in a take(100) drain over ioredis nearly every reply
   * survived to old space, four scavenges of about 30 ms in all for 100 000 items,
   * against two of 2 ms with the arrays emptied (issue 20).
   */
  #emptyReply(reply) {
    if (this.#freshReplies && Array.isArray(reply)) reply.length = 0;
  }

  /**
   * Runs `add(item, score)`, which `start` starts in a slot, prepared where the core
   * says the add is its ZADD and a check alone (see the binding's `preparedAdd`): both go
   * in one round trip and the replies are decoded in one call, without a slot. Where a
   * consumer waits, the add runs in a slot at the score used, with those replies as the
   * answer to its first step, and writes the wake-up marker.
   */
  async runAdd(start, item, score) {
    const core = this.#core;
    let used;
    let replies;
    try {
      const kept = this.#addKept;
      used = kept && typeof item === 'string' && wellFormed(item) ? core.preparedAdd(item, score, now(), true) : undefined;
      let zadd;
      if (used !== undefined) {
        // A kept add's ZADD with the item and the score where the core said they go (a
        // set whose members are its items' UTF-8): the core resolves the score and
        // writes it, and builds nothing else (issue 20: building the whole command cost
        // an add about 2 µs).
        zadd = copied(kept, item);
        zadd[kept.scoreAt] = core.preparedScore(used);
      } else {
        zadd = core.preparedAdd(item, score, now(), false);
        if (zadd === undefined) return this.run(start, item, score);
        used = core.addedScore();
        if (kept === undefined) this.#keepAdd(zadd);
      }
      replies = await this.#pipeline([zadd, (this.#addCheck ??= core.preparedAddCheck())]);
      if (decodeAdded(core, replies)) return used;
    } catch (err) {
      return rethrow(err);
    }
    await this.#run(start, item, used, undefined, replies);
    return used;
  }

  /** Keeps a prepared add's ZADD with where the core says its item and score go, or null where it says none (see runAdd). */
  #keepAdd(zadd) {
    const at = this.#core.preparedAddAt();
    this.#addKept = at === 0
      ? null
      : { args: zadd, at: (at >>> 8) - 1, scoreAt: (at & 0xff) - 1, marks: Object.getOwnPropertySymbols(zadd) };
  }

  /**
   * The core's command for prepared `which` (of `traits`) with `a`, kept if it never
   * changes, or kept with where it carries the time if that is all that changes (see
   * #timedArgs), or with where it carries the item (see #itemArgs).
   */
  #prepared(which, traits, a) {
    const core = this.#core;
    const args = core.prepared(which, a, now());
    if (args === undefined) return args;
    const marks = () => Object.getOwnPropertySymbols(args);
    if ((traits & TRAITS.fixed) !== 0) {
      keep((this.#kept[which] ??= new Map()), a, args);
    } else if (traits >>> TRAITS.itemAt !== 0) {
      this.#withItem[which] ??= { args, at: (traits >>> TRAITS.itemAt) - 1, marks: marks() };
    } else if (this.#carriesTime[which] !== false) {
      // Asked for each command kept (the index moves when the lock's key goes), and
      // not again for an operation whose commands carry no time.
      const at = core.preparedTimeAt(which, a);
      this.#carriesTime[which] = at !== undefined;
      if (at !== undefined) keep((this.#timed[which] ??= new Map()), a, { args, at, marks: marks() });
    }
    return args;
  }

  /**
   * A kept command that carries the time (a scheduled pop's), as a copy with the time
   * now where the core said it goes: the core formats the time, and builds nothing else
   * (issue 20: building the whole command on each call cost a scheduled pop 2–3 µs more
   * than a pop); undefined if none is kept.
   */
  #timedArgs(which, a) {
    const timed = this.#timed[which]?.get(a);
    return timed === undefined ? undefined : copied(timed, this.#core.preparedScore(now()));
  }

  /**
   * A kept has's or score's command with `item` where the core said the item goes (a
   * set whose members are its items' UTF-8), for an item that is a well-formed string,
   * the member itself as the core would make it: no call into wasm before it is sent
   * (issue 20: building the command cost a has 2–3 µs); undefined otherwise, and the
   * core makes the command.
   */
  #itemArgs(which, item) {
    const kept = this.#withItem[which];
    if (kept === undefined || typeof item !== 'string' || !wellFormed(item)) return undefined;
    return copied(kept, item);
  }

  /**
   * Sends a pipeline step's commands in order, and gives their replies as one array, a
   * Redis error reply as its element; any other failure fails the step. On a client
   * that runs commands in the order sent they go at once (one round trip), else each
   * after the reply to the one before.
   */
  #pipeline(commands) {
    if (this.#ordered) return Promise.all(commands.map((args) => this.#reply(args)));
    return this.#oneByOne(commands);
  }

  /** A pipeline step's commands, each sent after the reply to the one before. */
  async #oneByOne(commands) {
    const replies = [];
    for (const args of commands) replies.push(await this.#reply(args));
    return replies;
  }

  /**
   * The reply to `args`, a Redis error reply as its value; any other failure rejects
   * (a plain promise chain, not an async function: one microtask hop less per command;
   * an execute function may answer with a plain value).
   */
  #reply(args) {
    const read = args[STEP] === 'read';
    try {
      return Promise.resolve(withTimeout(this.#send(args, read), this.#timeout, args, read)).then(undefined, replyOrThrow);
    } catch (err) {
      return new Promise((resolve) => resolve(replyOrThrow(err)));
    }
  }
}

/** A pipelined command's failure: a Redis error reply is its reply; anything else throws. */
function replyOrThrow(err) {
  if (err instanceof RedsetError) throw err;
  if (!isReplyError(err)) throw connectionError(err);
  return err;
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
      const command = String(args[0]).toUpperCase();
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
