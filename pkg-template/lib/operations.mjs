// The set classes' operations, each as how it starts in a slot of the wasm core: the
// class methods of the same name only forward their arguments (see sets.mjs). The
// binding checks every argument and applies every default; JS adds only the client's
// clock where the core needs "now". Documented in index.d.ts.
//
// Module-level functions, not closures made per call.

import { now } from './clock.mjs';

/** Every set's operations: method name → `(core, id, a, b, c) => first step`. */
export const SET_OPERATIONS = {
  // The document's.
  add: (core, id, item, score) => core.add(id, item, score, now()),
  pop: (core, id) => core.pop(id, now()),
  take: (core, id, count) => core.take(id, count, now()),
  peek: (core, id, position) => core.peek(id, position, now()),
  peekItems: (core, id, position, count) => core.peekItems(id, position, count, now()),
  peekScore: (core, id) => core.peekScore(id, now()),
  score: (core, id, item) => core.score(id, item),
  has: (core, id, item) => core.has(id, item),
  len: (core, id) => core.len(id),
  clear: (core, id) => core.clear(id),
  discard: (core, id, item) => core.discard(id, item),
  // Batch.
  addMany: (core, id, items, options) => core.addMany(id, items, options, now()),
  // Waits.
  popWait: (core, id, timeoutMs) => core.popWait(id, timeoutMs, now()),
  takeWait: (core, id, count, timeoutMs) => core.takeWait(id, count, timeoutMs, now()),
  claimWait: (core, id, count, leaseMs, timeoutMs) => core.claimWait(id, count, leaseMs, timeoutMs, now()),
  // Leases.
  claim: (core, id, count, leaseMs) => core.claim(id, count, leaseMs, now()),
  ackAndClaim: (core, id, done, count, leaseMs) => core.ackAndClaim(id, done, count, leaseMs, now()),
  ack: (core, id, lease) => core.ack(id, lease),
  ackMany: (core, id, leases) => core.ackMany(id, leases),
  extend: (core, id, lease, byMs) => core.extend(id, lease, byMs),
  retry: (core, id, lease, options) => core.retry(id, lease, options),
  release: (core, id, lease) => core.release(id, lease),
  recover: (core, id) => core.recover(id),
  inFlight: (core, id) => core.inFlight(id),
  inFlightItems: (core, id, limit) => core.inFlightItems(id, limit),
  deadLetters: (core, id) => core.deadLetters(id),
  requeueDead: (core, id, letters) => core.requeueDead(id, letters),
  purgeDead: (core, id) => core.purgeDead(id),
  // Stats.
  stats: (core, id) => core.stats(id, now()),
  // Flow control.
  pause: (core, id) => core.pauseSet(id),
  resume: (core, id) => core.resumeSet(id),
  isPaused: (core, id) => core.isPaused(id),
  rateLimited: (core, id, lease, retryAfterMs) => core.rateLimited(id, lease, retryAfterMs),
  addToGroup: (core, id, group, item, score) => core.addToGroup(id, group, item, score, now()),
  groupStats: (core, id, group) => core.groupStats(id, group),
  groups: (core, id, limit) => core.groups(id, limit),
};

/** A ScheduledSet's own. */
export const SCHEDULED_OPERATIONS = {
  available: (core, id) => core.available(id, now()),
};

/**
 * The operations the core may prepare (see the driver's runPrepared), by the number
 * the binding names them with; the argument is the method's first.
 */
export const PREPARED = { pop: 0, take: 1, peek: 2, len: 3, has: 4, score: 5 };

/**
 * The bits of the binding's `preparedTraits(which)`: the command only reads; it is the
 * same on every call with the same argument; the result carries a score of the reply;
 * and from bit `itemAt` (a shift) up, one more than where the command carries the item.
 */
export const TRAITS = { read: 1, fixed: 2, keepsScores: 4, itemAt: 8 };
