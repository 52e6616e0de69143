/** Anything that speaks to Redis: an ioredis client (Redis or Cluster), a node-redis v4+
 * client, or a function that sends one command and resolves to its reply. A Redis error
 * reply should be returned (or thrown) as an `Error`. */
export type RedisClient =
  | { callBuffer(...args: Array<string | Uint8Array>): Promise<unknown> }
  | { sendCommand(args: Array<string | Uint8Array>, options?: unknown): Promise<unknown> }
  /** An `@upstash/redis` client (HTTP), made with `automaticDeserialization: false`: waits poll. */
  | { exec(args: string[]): Promise<unknown> }
  | Execute;

/** Sends one command (name first) and resolves to the reply, or returns it at once. */
export type Execute = (args: Array<string | Uint8Array>) => unknown | Promise<unknown>;

/** Turns items into the stored member and back. */
export interface Serializer<T> {
  dumps(item: T): string | Uint8Array;
  /** Gets the member as a string (a Uint8Array if it is not valid UTF-8). */
  loads(member: string): T;
}

/** Gives an item its score when `add` gets none. Lower is popped sooner. */
export type Scorer<T> = (item: T) => number;

/** Told about each removed item that failed to deserialize (default: console.warn). */
export type Logger = (message: string, details: { set: string; raw: Uint8Array; error: string }) => void;

export interface SetOptions<T> {
  scorer?: Scorer<T>;
  /** As in the original, a serializer without `dumps` or `loads` falls back to strings for that side. */
  serializer?: Serializer<T> | Partial<Serializer<T>>;
  logger?: Logger;
  /**
   * ScheduledSet: honour the original Python redset's lock (`name__lock`) so that its
   * consumers can share the set without an item being handed out twice. Default true,
   * false on a Cluster client (the lock key lives in another hash slot).
   */
  originalLock?: boolean;
  /** ScheduledSet: seconds a pop waits for that lock before rejecting with LockTimeout (default 10; 0 = one try). */
  lockTimeout?: number;
  /** ms to wait for each reply; past it the operation rejects with TimeoutError (default: no limit). */
  timeout?: number;
  /** Leases: after this many deliveries a failed or expired item goes to the dead letters (default 5). */
  maxDeliveries?: number;
  /** Leases: the delay of `retry` without one, exponential with jitter: `min(cap, base × 2^(n−1))`, drawn from its upper half (ms; default 1000 and 300000). */
  backoff?: { base?: number; cap?: number };
  /**
   * Whose clock says "now" — the default score of a TimeSortedSet/ScheduledSet `add`,
   * which ScheduledSet items are due, how long a wait sleeps: 'client' (default, as the
   * original) or 'server' (Redis `TIME`, one more command per operation that needs it).
   */
  clock?: 'client' | 'server';
  /**
   * Whether waits (popWait, takeWait, claimWait, consume, process) block in Redis —
   * BZPOPMIN on the set, or on its wake-up key — so that an item is seen as soon as it
   * is added, on duplicates of the client (`client.duplicate()`: one per wait in
   * flight, closed as soon as none is). Default true for an ioredis or node-redis
   * client; false polls (an `execute` function always does).
   */
  blockingWaits?: boolean;
  /**
   * Idempotent producers: add / addMany skip an item added within the last
   * `dedupWindow` ms, even one consumed meanwhile, so a producer that retries an add whose
   * reply it lost does not deliver the item twice (state in `{name}:dedup`, server clock).
   */
  dedupWindow?: number;
  /**
   * Writes (add, addMany, ack, ackMany, retry, release) wait until `replicas` replicas
   * acknowledge them (`WAIT`, up to `timeout` ms), else reject with NotReplicated.
   */
  waitForReplicas?: { replicas: number; timeout: number };
  /**
   * Count what the scripts do on the set — items added, claimed, acked, retried,
   * released, dead-lettered, recovered, requeued — in `{name}:counters` on the server,
   * exact across every process that counts; `stats().counters` reads them. Pops and
   * takes are not counted.
   */
  metrics?: boolean;
  /**
   * At most `max` items handed out (claimed, or popped with flow control) per
   * `periodMs` across every consumer of the set, `burst` (default 1) at once: a GCRA
   * checked in the scripts by the server's clock. Give every client the same limit.
   */
  rateLimit?: RateLimitOptions;
  /**
   * Fair groups: claims go round-robin over the groups with eligible items, each
   * within `concurrency` items in flight and its own `rateLimit`. `true`: no limits.
   */
  groups?: boolean | { concurrency?: number; rateLimit?: RateLimitOptions };
  /** Gives each added item its group (like `scorer` its score); makes the set grouped. */
  groupBy?: (item: T) => string;
  /**
   * Pops and takes honour pause and the limits too (the flow script instead of the
   * original's ZPOPMIN); on by itself with `rateLimit` or groups.
   */
  flowControl?: boolean;
}

/** A rate limit: `max` items per `periodMs`, up to `burst` (default 1) at once. */
export interface RateLimitOptions {
  max: number;
  periodMs: number;
  burst?: number;
}

/** A group's counts. */
export interface GroupStats {
  /** "" is the default group: items added without one. */
  group: string;
  waiting: number;
  inFlight: number;
  dead: number;
}

/**
 * What `consume` and `process` need of an AbortSignal (declared here so that the
 * typings need neither the DOM nor Node's types; a real AbortSignal fits).
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** A claimed item, yours until `deadline`. Hand it back with ack, retry, release or extend. */
export interface Lease<T> {
  item: T;
  /** The fencing token: greater for every later claim of the set. */
  token: number;
  /** How many times the item has been claimed, this time included. */
  deliveries: number;
  /** When the lease expires, ms since the epoch by the server's clock. */
  deadline: number;
  /** The score the item had (it goes back with it). */
  score: number;
  /** The stored member. */
  readonly member: Uint8Array;
}

/** An item in the dead letters. */
export interface DeadLetter<T> {
  /** null if the item does not deserialize (see `member`). */
  item: T | null;
  reason: string;
  deliveries: number;
  /** When it was buried, ms since the epoch (server clock). */
  time: number;
  score: number;
  readonly member: Uint8Array;
}

/** A lease in flight, as `inFlightItems()` lists it. */
export interface InFlightItem<T> {
  /** null if the item does not deserialize (see `member`). */
  item: T | null;
  /** The holder's fencing token; null for a retry waiting out its delay. */
  token: number | null;
  deliveries: number;
  score: number;
  /** When the lease expires (or the retry delay ends), ms since the epoch (server clock). */
  deadline: number;
  /** ms until then, by the server's clock; 0 once expired. */
  timeLeft: number;
  readonly member: Uint8Array;
}

/** An item waiting in the set, as `peekItems()` lists it. */
export interface Entry<T> {
  /** null if the item does not deserialize. */
  item: T | null;
  score: number;
}

export interface Stats {
  /** Items in the set (`len()`). */
  waiting: number;
  /** Items eligible now. */
  due: number;
  /** Leased items, including retries waiting out their delay. */
  inFlight: number;
  dead: number;
  /** ms the oldest due item has waited (time-ordered sets), else null. */
  oldestDueAge: number | null;
  /** What the scripts counted (see the option `metrics`), or null if the set never counted. */
  counters: Counters | null;
  /** Whether the set is paused. */
  paused: boolean;
  /** ms a handler's rateLimited still holds the set, or null. */
  heldFor: number | null;
  /**
   * The maximum deliveries of the set's consumers, as their last claim applied it
   * (each claim keeps its own with the set), or null before any claim: what an
   * operator's recover uses when it has no policy of its own.
   */
  maxDeliveries: number | null;
}

/** Totals the scripts count on a set with `metrics: true`: they only grow. */
export interface Counters {
  /** Items added (new members). */
  added: number;
  claimed: number;
  acked: number;
  retried: number;
  released: number;
  /** Items moved to the dead letters. */
  dead: number;
  /** Expired leases that went back to the set. */
  recovered: number;
  /** Dead letters put back into the set. */
  requeued: number;
}

export type RetryOutcome = { outcome: 'requeued'; at: number } | { outcome: 'dead'; at: null };

/** A Redis-backed sorted set safe for consumption by many processes. */
export class SortedSet<T = string> {
  constructor(client: RedisClient, name: string, options?: SetOptions<T>);
  /** The Redis key the set is stored at. */
  readonly name: string;
  /** Adds the item or updates its score; resolves to the score used. */
  add(item: T, score?: number | null): Promise<number>;
  /**
   * Adds many items, one round trip per 5000; resolves to how many were added (or
   * changed, with `changed`). A NaN or a throwing serializer rejects the whole batch.
   */
  addMany(
    items: T[],
    options?: { scores?: Array<number | null>; condition?: 'nx' | 'xx' | 'gt' | 'lt'; changed?: boolean },
  ): Promise<number>;
  /** Adds the item in `group` of a grouped set; resolves to the score used. */
  addToGroup(group: string, item: T, score?: number | null): Promise<number>;
  /** Pauses the set: claims (and a flowControl set's pops) hand out nothing until resume(). */
  pause(): Promise<void>;
  /** Resumes a paused set; waiting consumers wake at once. */
  resume(): Promise<void>;
  /** Whether the set is paused. */
  isPaused(): Promise<boolean>;
  /** The work met an outside rate limit: the item goes back uncounted, the set holds for `retryAfterMs`. */
  rateLimited(lease: Lease<T>, retryAfterMs: number): Promise<void>;
  /** A group's counts (zeros for a group with nothing). */
  groupStats(group: string): Promise<GroupStats>;
  /** The counts of up to `limit` (default 100) groups with waiting, in-flight or dead items. */
  groups(limit?: number): Promise<GroupStats[]>;
  /** Removes the next eligible item; null if it failed to deserialize; rejects with KeyError if none. */
  pop(): Promise<T | null>;
  /** Like pop(), waiting up to `timeoutMs` for an eligible item; rejects with KeyError at the timeout. */
  popWait(timeoutMs: number): Promise<T | null>;
  /** Like take(count), waiting up to `timeoutMs` for at least one item; [] at the timeout. */
  takeWait(count: number, timeoutMs: number): Promise<T[]>;
  /** Removes at most `count` eligible items, in score order; `[]` for a count below 1. */
  take(count: number): Promise<T[]>;
  /** The eligible item at `position` (default 0), not removed; rejects with KeyError if none. */
  peek(position?: number): Promise<T | null>;
  /** The score of the next eligible item, or null. */
  /** Up to `count` eligible items from `position` on, not removed. */
  peekItems(position?: number, count?: number): Promise<Array<Entry<T>>>;
  peekScore(): Promise<number | null>;
  /** The item's score, or null. */
  score(item: T): Promise<number | null>;
  /** Whether the item is in the set. */
  has(item: T): Promise<boolean>;
  /** How many items the set holds. */
  len(): Promise<number>;
  /** Deletes the set; whether it existed. */
  clear(): Promise<boolean>;
  /** Removes the item; whether it was there. */
  discard(item: T): Promise<boolean>;
  /** Claims up to `count` eligible items, each leased for `leaseMs` (at-least-once). */
  claim(count: number, leaseMs: number): Promise<Array<Lease<T>>>;
  /** Yields items as they become eligible (at-most-once) until `signal` aborts. */
  consume(options?: { signal?: AbortSignalLike; pollMs?: number }): AsyncGenerator<T | null, void, undefined>;
  /**
   * A worker on leases: runs `handler` on each item, acks on success, retries on a throw
   * (a RateLimited throw gives the item back uncounted and holds the set), extends the
   * leases it holds while it runs; on abort stops claiming, acks what finished,
   * releases what it held, waits up to `shutdownMs`, releases what still runs.
   * `prefetch` (default `8 * concurrency`; 0: none) bounds the claimed leases held
   * not yet started, as RabbitMQ's prefetch does: each of the
   * `concurrency` loops claims its share with the ack of the jobs it finished, one
   * round trip for several jobs (an empty-handed loop takes from a sibling's first),
   * and only while its recent handler time times its share
   * stays under 1% of `leaseMs`. Held leases are extended like running ones, given back
   * at once when a short claim finds the set paused, and released at shutdown (counted
   * in `released`).
   */
  process(
    handler: (item: T, lease: Lease<T>) => unknown | Promise<unknown>,
    options?: { concurrency?: number; prefetch?: number; leaseMs?: number; signal?: AbortSignalLike; shutdownMs?: number; pollMs?: number },
  ): Promise<{ acked: number; retried: number; released: number; rateLimited: number }>;
  /** Like claim(), waiting up to `timeoutMs` for at least one item; [] at the timeout. */
  claimWait(count: number, leaseMs: number, timeoutMs: number): Promise<Array<Lease<T>>>;
  /** Done: removes the item for good; rejects with LeaseLost if the lease is not held. */
  ack(lease: Lease<T>): Promise<void>;
  /** Acks many in one round trip; LeaseLost names the tokens not held. */
  ackMany(leases: Array<Lease<T>>): Promise<void>;
  /**
   * Acks `done` and claims up to `count` more in one round trip ("done, next please").
   * If any of `done` is not held, the others are acked, nothing is claimed, and it
   * rejects with LeaseLost.
   */
  ackAndClaim(done: Lease<T> | Array<Lease<T>>, count: number, leaseMs: number): Promise<Array<Lease<T>>>;
  /** Keeps a held lease for `byMs` from now; resolves to (and sets) its new deadline. */
  extend(lease: Lease<T>, byMs: number): Promise<number>;
  /** Back to the set after `delay` ms (default: the backoff), or to the dead letters. */
  retry(lease: Lease<T>, options?: number | { delay?: number; reason?: string }): Promise<RetryOutcome>;
  /** Gives the item back at once, the delivery not counted. */
  release(lease: Lease<T>): Promise<void>;
  /** The expired-lease sweep now. */
  recover(): Promise<{ requeued: number; dead: number }>;
  /** How many items are leased. */
  inFlight(): Promise<number>;
  /** The leases in flight, earliest deadline first (at most `limit`, default 100). */
  inFlightItems(limit?: number): Promise<Array<InFlightItem<T>>>;
  deadLetters(): Promise<Array<DeadLetter<T>>>;
  requeueDead(letters: Array<DeadLetter<T>>): Promise<number>;
  purgeDead(): Promise<number>;
  /** Waiting, due, in flight, dead and the oldest due item's age, in one round trip. */
  stats(): Promise<Stats>;
  toString(): string;
}

/** A FIFO set: the default score is the time of `add`. */
export class TimeSortedSet<T = string> extends SortedSet<T> {}

/** Hands out only items whose score (UNIX seconds) is <= now. */
export class ScheduledSet<T = string> extends TimeSortedSet<T> {
  /** How many items are due now. */
  available(): Promise<number>;
}

/** Items as JSON. */
export class JsonSerializer<T = unknown> implements Serializer<T> {
  dumps(item: T): string;
  loads(member: string): T;
}

export class RedsetError extends Error {}
/** No (eligible) item at the position asked for. */
export class KeyError extends RedsetError {
  set: string;
  position: number;
}
/** Redis answered with an error reply. */
export class ReplyError extends RedsetError {
  /** The first word of the reply, e.g. "WRONGTYPE". */
  code: string;
  serverMessage: string;
}
/** The client (execute) threw or rejected; `cause` is what it threw. */
export class ConnectionError extends RedsetError {}
/** A reply of an unexpected shape. */
export class ProtocolError extends RedsetError {}
/** The serializer failed. */
export class SerializerError extends RedsetError {}
/** A lease is no longer held (expired and claimed again, or settled already); nothing changed for it. */
export class LeaseLost extends RedsetError {
  set: string;
  /** The fencing tokens of the leases not held. */
  tokens: number[];
}
/** No reply within the set's `timeout`. */
export class TimeoutError extends RedsetError {
  /** The command that got no reply. */
  command: string;
  /** Whether it may still change the set when the server gets to it (false for reads). */
  mayHaveTakenEffect: boolean;
}
/** A write reached fewer replicas than `waitForReplicas` asked for in time; safe to repeat. */
export class NotReplicated extends RedsetError {
  /** Replicas that acknowledged the write. */
  acked: number;
  /** Replicas asked for. */
  wanted: number;
}
/** What a process() handler throws on an outside rate limit: the item goes back uncounted, the set holds for `retryAfterMs`. */
export class RateLimited extends Error {
  constructor(retryAfterMs: number, message?: string);
  retryAfterMs: number;
}
/** A scheduled pop waited `lockTimeout` for the original redset's lock and gave up; nothing was taken. */
export class LockTimeout extends RedsetError {
  set: string;
  /** The lock's key: `name + "__lock"`. */
  lock: string;
}
